using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Config.Validation;

/// <summary>
/// RE2 (Go <c>regexp/syntax</c>) patterns, as Istio validates them and Envoy runs them, checked
/// and translated for .NET. .NET's NonBacktracking engine already rejects backreferences,
/// lookaround, atomic groups and conditionals, but it also accepts things RE2 rejects (comments,
/// <c>\e</c>, possessive-looking <c>a*+</c> errors differ…) and rejects valid RE2 such as
/// <c>(?P&lt;name&gt;…)</c>, <c>\pL</c>, <c>\x{263a}</c>, <c>\Q…\E</c> and <c>[[:alpha:]]</c>.
/// So: a lexical pass rejects what RE2 lacks (with a message naming the construct) and rewrites
/// RE2-only syntax; then the result must compile with <see cref="RegexOptions.NonBacktracking"/>.
/// The translation also makes <c>\d \w \s</c> ASCII-only and <c>$</c> end-of-text, as in RE2, so
/// the routing layer can use <see cref="Translate"/> for matching as well.
/// </summary>
internal static class Re2Pattern
{
    /// <summary>Istio's limit (it approximates Envoy's RE2 program-size limit by length).</summary>
    public const int MaxLength = 1024;

    /// <summary>RE2's maximum explicit repeat count.</summary>
    private const int MaxRepeat = 1000;

    private const string DigitClass = "0-9";
    private const string WordClass = "0-9A-Za-z_";
    private const string SpaceClass = @"\t\n\f\r ";

    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z",
        ["alpha"] = "A-Za-z",
        ["ascii"] = @"\x00-\x7F",
        ["blank"] = @"\t ",
        ["cntrl"] = @"\x00-\x1F\x7F",
        ["digit"] = "0-9",
        ["graph"] = @"!-~",
        ["lower"] = "a-z",
        ["print"] = @" -~",
        ["punct"] = @"!-/:-@\[-`{-~",
        ["space"] = @"\t\n\v\f\r ",
        ["upper"] = "A-Z",
        ["word"] = WordClass,
        ["xdigit"] = "0-9A-Fa-f",
    };

    /// <summary>Null when <paramref name="pattern"/> is a valid RE2 regex within Istio's limits, else why not.</summary>
    public static string? Validate(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "regex must not be empty";
        }

        if (Encoding.UTF8.GetByteCount(pattern) > MaxLength)
        {
            return $"regex is too large (max {MaxLength} bytes)";
        }

        if (!TryTranslate(pattern, out _, out var error))
        {
            return error;
        }

        try
        {
            // Built once and kept: the route compiler takes the same instance (CompiledRegexes).
            _ = CompiledRegexes.GetOrAdd(pattern);
            return null;
        }
        catch (ArgumentException e)
        {
            return "invalid regex: " + StripPatternEcho(e.Message);
        }
        catch (NotSupportedException e)
        {
            return "regex construct not supported by RE2: " + e.Message;
        }
    }

    /// <summary>The .NET pattern with RE2 semantics for a valid RE2 pattern.</summary>
    public static string Translate(string pattern)
        => TryTranslate(pattern, out var translated, out var error) ? translated : throw new ArgumentException(error, nameof(pattern));

    public static bool TryTranslate(string pattern, out string translated, out string error)
    {
        var sb = new StringBuilder(pattern.Length + 16);
        var multiline = pattern.Contains("(?m", StringComparison.Ordinal);
        var inClass = false;
        var classStart = -1;
        var afterQuantifier = false;
        var afterLazy = false;
        translated = "";
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            var isQuantifier = false;
            if (inClass)
            {
                if (c == ']' && i > classStart)
                {
                    inClass = false;
                    sb.Append(c);
                }
                else if (c == '\\')
                {
                    if (!Escape(pattern, ref i, sb, inClass: true, out error))
                    {
                        return false;
                    }
                }
                else if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    var name = end < 0 ? null : pattern[(i + 2)..end];
                    if (name is null || !PosixClasses.TryGetValue(name.TrimStart('^'), out var ranges))
                    {
                        sb.Append(@"\[");
                    }
                    else if (name.StartsWith('^'))
                    {
                        error = $"negated POSIX class [:{name}:] is not supported";
                        return false;
                    }
                    else
                    {
                        sb.Append(ranges);
                        i = end + 1;
                    }
                }
                else if (c == '[')
                {
                    // Literal in RE2; in .NET "-[" would start a class subtraction.
                    sb.Append(@"\[");
                }
                else
                {
                    sb.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\\':
                    if (!Escape(pattern, ref i, sb, inClass: false, out error))
                    {
                        return false;
                    }

                    break;
                case '[':
                    inClass = true;
                    sb.Append('[');
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        sb.Append('^');
                        i++;
                    }

                    // A ']' right after '[' or '[^' is a literal.
                    classStart = i + 1;
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        sb.Append(@"\]");
                        i++;
                        classStart = i + 1;
                    }

                    break;
                case '(':
                    if (!Group(pattern, ref i, sb, out error))
                    {
                        return false;
                    }

                    break;
                case '*' or '+' or '?':
                    if (c == '?' && afterQuantifier && !afterLazy)
                    {
                        afterLazy = true;
                        sb.Append(c);
                        continue;
                    }

                    if (afterQuantifier)
                    {
                        error = c == '+' && !afterLazy
                            ? "possessive quantifiers (such as a*+) are not supported by RE2"
                            : $"invalid nested repetition operator at offset {i}";
                        return false;
                    }

                    isQuantifier = true;
                    sb.Append(c);
                    break;
                case '{':
                    var close = pattern.IndexOf('}', i);
                    if (close > i && TryRepeat(pattern[(i + 1)..close], out var min, out var max))
                    {
                        if (min > MaxRepeat || max > MaxRepeat)
                        {
                            error = $"invalid repeat count {{{pattern[(i + 1)..close]}}} (RE2 allows at most {MaxRepeat})";
                            return false;
                        }

                        if (afterQuantifier)
                        {
                            error = $"invalid nested repetition operator at offset {i}";
                            return false;
                        }

                        isQuantifier = true;
                        sb.Append(pattern, i, close - i + 1);
                        i = close;
                    }
                    else
                    {
                        sb.Append(@"\{");
                    }

                    break;
                case '$':
                    sb.Append(multiline ? "$" : @"\z");
                    break;
                default:
                    sb.Append(c);
                    break;
            }

            afterQuantifier = isQuantifier;
            afterLazy = false;
        }

        if (inClass)
        {
            error = "missing closing ] in character class";
            return false;
        }

        translated = sb.ToString();
        error = "";
        return true;
    }

    /// <summary>Handles <c>(</c>: plain groups, non-capturing groups, flags and names; rejects what RE2 lacks.</summary>
    private static bool Group(string p, ref int i, StringBuilder sb, out string error)
    {
        error = "";
        if (i + 1 >= p.Length || p[i + 1] != '?')
        {
            sb.Append('(');
            return true;
        }

        var rest = p.AsSpan(i + 2);
        if (rest.StartsWith("=") || rest.StartsWith("!"))
        {
            error = "lookahead (?= (?! is not supported by RE2";
            return false;
        }

        if (rest.StartsWith("<=") || rest.StartsWith("<!"))
        {
            error = "lookbehind (?<= (?<! is not supported by RE2";
            return false;
        }

        if (rest.StartsWith(">"))
        {
            error = "atomic groups (?> are not supported by RE2";
            return false;
        }

        if (rest.StartsWith("#"))
        {
            error = "comments (?# are not supported by RE2";
            return false;
        }

        if (rest.StartsWith("("))
        {
            error = "conditionals (?( are not supported by RE2";
            return false;
        }

        if (rest.StartsWith("P<") || rest.StartsWith("<"))
        {
            var nameStart = i + 2 + (rest[0] == 'P' ? 2 : 1);
            var nameEnd = p.IndexOf('>', nameStart);
            var name = nameEnd < 0 ? "" : p[nameStart..nameEnd];
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                error = $"invalid named capture group at offset {i}";
                return false;
            }

            sb.Append("(?<").Append(name).Append('>');
            i = nameEnd;
            return true;
        }

        // Flags: (?flags) or (?flags:re) with flags from "imsU" and an optional '-'.
        var j = i + 2;
        while (j < p.Length && p[j] is 'i' or 'm' or 's' or 'U' or '-')
        {
            if (p[j] == 'U')
            {
                error = "the U (ungreedy) flag is not supported";
                return false;
            }

            j++;
        }

        if (j < p.Length && (p[j] == ')' || p[j] == ':'))
        {
            sb.Append(p, i, j - i + 1);
            i = j;
            return true;
        }

        error = $"invalid or unsupported group syntax at offset {i}";
        return false;
    }

    /// <summary>Handles a backslash escape at <paramref name="i"/>; advances past it.</summary>
    private static bool Escape(string p, ref int i, StringBuilder sb, bool inClass, out string error)
    {
        error = "";
        if (i + 1 >= p.Length)
        {
            error = "trailing backslash at end of regex";
            return false;
        }

        var c = p[++i];
        switch (c)
        {
            case >= '1' and <= '9':
                if (c <= '7' && i + 1 < p.Length && p[i + 1] is >= '0' and <= '7')
                {
                    return Octal(p, ref i, sb);
                }

                error = $"backreferences (\\{c}) are not supported by RE2";
                return false;
            case '0':
                return Octal(p, ref i, sb);
            case 'k':
                error = "named backreferences (\\k) are not supported by RE2";
                return false;
            case 'x':
                if (i + 1 < p.Length && p[i + 1] == '{')
                {
                    var close = p.IndexOf('}', i);
                    if (close < 0 || !int.TryParse(p.AsSpan(i + 2, close - i - 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cp) || cp > 0x10FFFF)
                    {
                        error = "invalid \\x{...} escape";
                        return false;
                    }

                    AppendCodePoint(sb, cp);
                    i = close;
                    return true;
                }

                sb.Append(@"\x");
                return true;
            case 'p' or 'P':
                if (i + 1 < p.Length && p[i + 1] != '{')
                {
                    sb.Append('\\').Append(c).Append('{').Append(p[i + 1]).Append('}');
                    i++;
                    return true;
                }

                sb.Append('\\').Append(c);
                return true;
            case 'Q':
                var end = p.IndexOf(@"\E", i, StringComparison.Ordinal);
                var literal = end < 0 ? p[(i + 1)..] : p[(i + 1)..end];
                foreach (var ch in literal)
                {
                    sb.Append(char.IsAsciiLetterOrDigit(ch) ? ch.ToString() : "\\" + ch);
                }

                i = end < 0 ? p.Length - 1 : end + 1;
                return true;
            case 'd' or 'w' or 's':
                var set = c == 'd' ? DigitClass : c == 'w' ? WordClass : SpaceClass;
                sb.Append(inClass ? set : "[" + set + "]");
                return true;
            case 'D' or 'W' or 'S':
                var negated = c == 'D' ? DigitClass : c == 'W' ? WordClass : SpaceClass;
                sb.Append(inClass ? "\\" + c : "[^" + negated + "]");
                return true;
            case 'C':
                sb.Append(inClass ? @"\s\S" : @"[\s\S]");
                return true;
            case 'A' or 'z' or 'b' or 'B' when !inClass:
            case 'a' or 'f' or 't' or 'n' or 'r' or 'v':
                sb.Append('\\').Append(c);
                return true;
            default:
                if (c < 0x80 && !char.IsAsciiLetterOrDigit(c) && c != '_')
                {
                    sb.Append('\\').Append(c);
                    return true;
                }

                error = $"invalid escape sequence \\{c} (not RE2 syntax)";
                return false;
        }
    }

    /// <summary>RE2 octal escape: \0 plus up to two more octal digits, or \1-\7 followed by an octal digit.</summary>
    private static bool Octal(string p, ref int i, StringBuilder sb)
    {
        var value = p[i] - '0';
        for (var n = 0; n < 2 && i + 1 < p.Length && p[i + 1] is >= '0' and <= '7'; n++)
        {
            value = (value * 8) + (p[++i] - '0');
        }

        AppendCodePoint(sb, value);
        return true;
    }

    private static void AppendCodePoint(StringBuilder sb, int codePoint)
    {
        foreach (var ch in char.ConvertFromUtf32(codePoint))
        {
            sb.Append(@"\u").Append(((int)ch).ToString("X4", CultureInfo.InvariantCulture));
        }
    }

    private static bool TryRepeat(string body, out int min, out int max)
    {
        min = max = 0;
        var comma = body.IndexOf(',', StringComparison.Ordinal);
        var first = comma < 0 ? body : body[..comma];
        if (first.Length == 0 || !first.All(char.IsAsciiDigit) || !int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out min))
        {
            return false;
        }

        if (comma < 0)
        {
            max = min;
            return true;
        }

        var second = body[(comma + 1)..];
        if (second.Length == 0)
        {
            max = min;
            return true;
        }

        return second.All(char.IsAsciiDigit) && int.TryParse(second, NumberStyles.None, CultureInfo.InvariantCulture, out max);
    }

    private static string StripPatternEcho(string message)
    {
        // .NET: "Invalid pattern '<p>' at offset 3. Not enough )'s." — keep the useful tail.
        var at = message.IndexOf("' at offset", StringComparison.Ordinal);
        return at < 0 ? message : message[(at + 2)..];
    }
}
