using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Engine.Config.Validation;

namespace Engine.Routing;

/// <summary>
/// A compiled Istio StringMatch that tests request bytes without making strings: exact and
/// prefix compare UTF-8 bytes (ASCII case folded when asked); regex decodes into a stack or
/// pooled char buffer and runs a full-match, linear-time (NonBacktracking, RE2-like) regex.
/// </summary>
internal sealed class ByteMatcher
{
    private const int StackCharLimit = 512;

    private readonly byte[] _value;
    private readonly Regex? _regex;

    private ByteMatcher(StringMatchKind kind, string text, bool ignoreCase, Regex? regex)
    {
        Kind = kind;
        Text = text;
        IgnoreCase = ignoreCase;
        _value = Encoding.UTF8.GetBytes(ignoreCase ? text.ToLowerInvariant() : text);
        _regex = regex;
    }

    public StringMatchKind Kind { get; }

    /// <summary>The configured value, for explain and logs.</summary>
    public string Text { get; }

    public bool IgnoreCase { get; }

    public static ByteMatcher Exact(string value, bool ignoreCase = false) => new(StringMatchKind.Exact, value, ignoreCase, null);

    public static ByteMatcher Prefix(string value, bool ignoreCase = false) => new(StringMatchKind.Prefix, value, ignoreCase, null);

    public static ByteMatcher Present() => new(StringMatchKind.Present, string.Empty, false, null);

    /// <summary>
    /// An RE2 pattern, translated to .NET with RE2 semantics (ASCII classes, <c>$</c> = end of
    /// text). Envoy matches a regex against the whole value (istio-semantics.md §3.3), so the
    /// pattern is anchored; <c>ignoreUriCase</c> does not apply to regexes (Envoy ignores it there too).
    /// </summary>
    public static ByteMatcher Regex(string re2Pattern)
        => new(StringMatchKind.Regex, re2Pattern, false, CompiledRegexes.GetOrAdd(re2Pattern));

    public bool Matches(ReadOnlySpan<byte> value)
    {
        switch (Kind)
        {
            case StringMatchKind.Exact:
                return IgnoreCase ? Ascii.EqualsIgnoreCase(value, _value) : value.SequenceEqual(_value);
            case StringMatchKind.Prefix:
                return value.Length >= _value.Length
                    && (IgnoreCase ? Ascii.EqualsIgnoreCase(value[.._value.Length], _value) : value.StartsWith(_value));
            case StringMatchKind.Present:
                return true;
            default:
                return MatchesRegex(value);
        }
    }

    private bool MatchesRegex(ReadOnlySpan<byte> value)
    {
        var maxChars = Encoding.UTF8.GetMaxCharCount(value.Length);
        char[]? rented = null;
        var chars = maxChars <= StackCharLimit
            ? stackalloc char[StackCharLimit]
            : (rented = ArrayPool<char>.Shared.Rent(maxChars));
        try
        {
            var count = Encoding.UTF8.GetChars(value, chars);
            return _regex!.IsMatch(chars[..count]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    public override string ToString() => Kind switch
    {
        StringMatchKind.Exact => $"exact \"{Text}\"",
        StringMatchKind.Prefix => $"prefix \"{Text}\"",
        StringMatchKind.Regex => $"regex \"{Text}\"",
        _ => "present",
    };
}
