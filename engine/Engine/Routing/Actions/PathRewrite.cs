using System.Text;
using System.Text.RegularExpressions;
using Engine.Config.Validation;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// <c>rewrite.uri</c> (Envoy <c>prefix_rewrite</c>) or <c>rewrite.uriRegexRewrite</c>
/// (<c>regex_rewrite</c>), applied to the path without its query; the query is kept.
/// </summary>
/// <remarks>
/// Envoy's prefix_rewrite swaps "the matched prefix (or path)": for a <c>prefix</c> match that is
/// the prefix the request matched (so <c>/common</c> + <c>/</c> turns <c>/common/api</c> into
/// <c>//api</c>, as istio/istio#26828 complains — reproduced, not fixed); for <c>exact</c> and
/// <c>regex</c> matches the whole path; for a rule without a uri match, the matched prefix is
/// <c>/</c> (istio-semantics.md §3.6).
/// </remarks>
internal sealed class PathRewrite
{
    private readonly byte[]? _prefix;
    private readonly Regex? _regex;
    private readonly string? _substitution;

    private PathRewrite(byte[]? prefix, Regex? regex, string? substitution, string description)
    {
        _prefix = prefix;
        _regex = regex;
        _substitution = substitution;
        Description = description;
    }

    public string Description { get; }

    public static PathRewrite Prefix(string replacement)
        => new(Encoding.UTF8.GetBytes(replacement), null, null, $"uri prefix → {replacement}");

    /// <summary>An RE2 pattern and substitution; <c>\1</c>… refer to groups, as in RE2/Envoy.</summary>
    public static PathRewrite Regex(string pattern, string substitution)
        => new(null, new Regex(Re2Pattern.Translate(pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant), ToDotNetSubstitution(substitution), $"uri regex {pattern} → {substitution}");

    /// <summary>
    /// Rewrites the path of <paramref name="head"/> given the uri condition the request matched
    /// (null when the rule had none). Returns false when nothing changed.
    /// </summary>
    public bool Apply(HttpRequestHead head, ByteMatcher? matchedUri)
    {
        var pathOnly = head.PathOnly;
        var query = head.QueryOffset < 0 ? ReadOnlySpan<byte>.Empty : head.Span(head.Path)[head.QueryOffset..];
        Span<byte> stack = stackalloc byte[512];
        byte[]? rented = null;
        int length;
        if (_prefix is not null)
        {
            var matched = matchedUri is { Kind: StringMatchKind.Prefix } prefixMatch ? prefixMatch.Text.Length
                : matchedUri is null ? 1 // no uri condition: the matched prefix is "/"
                : pathOnly.Length;       // exact or regex: the whole path
            matched = Math.Min(matched, pathOnly.Length);
            length = _prefix.Length + (pathOnly.Length - matched) + query.Length;
            var buffer = length <= stack.Length ? stack : (rented = new byte[length]);
            _prefix.CopyTo(buffer);
            pathOnly[matched..].CopyTo(buffer[_prefix.Length..]);
            query.CopyTo(buffer[(length - query.Length)..]);
            return Commit(head, buffer[..length], length - query.Length, query.Length > 0);
        }

        var path = Encoding.UTF8.GetString(pathOnly);
        var rewritten = _regex!.Replace(path, _substitution!);
        if (rewritten == path)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(rewritten);
        length = bytes.Length + query.Length;
        rented = new byte[length];
        bytes.CopyTo(rented, 0);
        query.CopyTo(rented.AsSpan(bytes.Length));
        return Commit(head, rented, bytes.Length, query.Length > 0);
    }

    private static bool Commit(HttpRequestHead head, ReadOnlySpan<byte> newPathAndQuery, int pathLength, bool hasQuery)
    {
        head.AddHeader("x-envoy-original-path"u8, head.Span(head.Path), KnownHeader.XEnvoyOriginalPath);
        head.Path = head.Append(newPathAndQuery);
        head.QueryOffset = hasQuery ? pathLength : -1;
        return true;
    }

    /// <summary>RE2/Envoy substitutions use <c>\1</c>; .NET uses <c>$1</c> (and <c>$</c> must be escaped).</summary>
    private static string ToDotNetSubstitution(string re2)
    {
        var sb = new StringBuilder(re2.Length + 4);
        for (var i = 0; i < re2.Length; i++)
        {
            var c = re2[i];
            if (c == '\\' && i + 1 < re2.Length && char.IsAsciiDigit(re2[i + 1]))
            {
                sb.Append("${").Append(re2[i + 1]).Append('}');
                i++;
            }
            else if (c == '$')
            {
                sb.Append("$$");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
