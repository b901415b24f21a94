using System.Text;

namespace Engine.Routing.Automaton;

/// <summary>
/// The literal text every match of an RE2 pattern must start with, so a uri regex can sit in the
/// path trie under that prefix and be evaluated only for paths that have it. Conservative: any
/// construct it does not understand ends the prefix (an empty prefix is always correct — the
/// regex is then checked for every path).
/// </summary>
internal static class RegexLiteralPrefix
{
    private const string Meta = ".[](){}*+?|^$\\";

    public static string Of(string pattern)
    {
        // Alternation anywhere, or inline flags such as (?i), can make the first characters optional or case-free.
        if (pattern.Contains('|', StringComparison.Ordinal) || pattern.StartsWith("(?", StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var i = pattern.StartsWith('^') ? 1 : 0;
        var prefix = new StringBuilder();
        while (i < pattern.Length)
        {
            var c = pattern[i];
            int width;
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '.' or '/' or '-' or '_' or '~' or '\\')
            {
                c = pattern[i + 1];
                width = 2;
            }
            else if (Meta.Contains(c, StringComparison.Ordinal) || c > 0x7E || c < 0x20)
            {
                break;
            }
            else
            {
                width = 1;
            }

            // A quantifier after the character makes it optional or repeatable: it is not part of the prefix.
            var next = i + width < pattern.Length ? pattern[i + width] : '\0';
            if (next is '*' or '?' or '{' or '+')
            {
                if (next == '+')
                {
                    prefix.Append(c); // at least once
                }

                break;
            }

            prefix.Append(c);
            i += width;
        }

        return prefix.ToString();
    }
}
