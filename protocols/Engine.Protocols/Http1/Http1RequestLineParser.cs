using System.Text;
using Engine.Protocols.Http;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Http1;

/// <summary>
/// RFC 9112 §3 request-line = method SP request-target SP HTTP-version, with exactly one SP between
/// the parts (a line with other whitespace SHOULD get 400, and does). The line is in the arena and
/// free of CR/LF (checked by the scanner).
/// </summary>
internal static class Http1RequestLineParser
{
    /// <param name="line">The request line without CRLF.</param>
    /// <param name="offset">Where <paramref name="line"/> starts in the head's arena.</param>
    /// <param name="pathNeedsSlash">
    /// An absolute-form target had an empty path ("http://h" or "http://h?q"); <see cref="HttpRequestHead.Path"/>
    /// holds the query part and the caller must prefix it with '/' (RFC 9112 §3.2.1: an empty path is "/").
    /// </param>
    public static Http1Error Parse(ReadOnlySpan<byte> line, int offset, HttpRequestHead head, out bool pathNeedsSlash)
    {
        pathNeedsSlash = false;

        var methodLength = line.IndexOfAnyExcept(Http1Chars.Token);
        if (methodLength <= 0 || line[methodLength] != Http1Chars.SP)
        {
            return Http1Error.InvalidRequestLine;
        }

        var targetStart = methodLength + 1;
        var targetLength = line[targetStart..].IndexOf(Http1Chars.SP);
        if (targetLength <= 0)
        {
            return Http1Error.InvalidRequestLine;
        }

        var target = line.Slice(targetStart, targetLength);
        if (target.ContainsAnyExcept(Http1Chars.Target))
        {
            return Http1Error.InvalidRequestTarget;
        }

        var error = Http1Versions.Parse(line[(targetStart + targetLength + 1)..], Http1Error.InvalidRequestLine, out var version);
        if (error != Http1Error.None)
        {
            return error;
        }

        var method = Http1Methods.Identify(line[..methodLength]);
        head.Method = method;
        head.MethodBytes = new ByteRange(offset, methodLength);
        head.Version = version;
        return ParseTarget(target, offset + targetStart, method, head, out pathNeedsSlash);
    }

    /// <summary>RFC 9112 §3.2: the four forms of request-target, each allowed only where the RFC allows it.</summary>
    private static Http1Error ParseTarget(ReadOnlySpan<byte> target, int offset, HttpMethod method, HttpRequestHead head, out bool pathNeedsSlash)
    {
        pathNeedsSlash = false;
        var range = new ByteRange(offset, target.Length);

        // §3.2.3: CONNECT takes only authority-form, uri-host ":" port.
        if (method == HttpMethod.Connect)
        {
            if (!HostValidator.IsValid(target, requirePort: true))
            {
                return Http1Error.InvalidRequestTarget;
            }

            head.Authority = range;
            head.Path = range;
            return Http1Error.None;
        }

        // §3.2.1 origin-form = absolute-path [ "?" query ].
        if (target[0] == Http1Chars.Slash)
        {
            head.Path = range;
            head.QueryOffset = target.IndexOf(Http1Chars.Question);
            return Http1Error.None;
        }

        // §3.2.4: asterisk-form only for a server-wide OPTIONS.
        if (target.Length == 1 && target[0] == (byte)'*')
        {
            if (method != HttpMethod.Options)
            {
                return Http1Error.InvalidRequestTarget;
            }

            head.Path = range;
            return Http1Error.None;
        }

        return ParseAbsoluteForm(target, offset, head, out pathNeedsSlash);
    }

    /// <summary>
    /// §3.2.2 absolute-form, as sent to proxies: only the http and https schemes route anywhere; the
    /// authority must be a valid host (no userinfo, RFC 9110 §4.2.4) and overrides Host (§3.2.2).
    /// </summary>
    private static Http1Error ParseAbsoluteForm(ReadOnlySpan<byte> target, int offset, HttpRequestHead head, out bool pathNeedsSlash)
    {
        pathNeedsSlash = false;
        var schemeLength = target.IndexOf("://"u8);
        if (schemeLength < 0)
        {
            return Http1Error.InvalidRequestTarget;
        }

        var scheme = target[..schemeLength];
        if (!Ascii.EqualsIgnoreCase(scheme, "http"u8) && !Ascii.EqualsIgnoreCase(scheme, "https"u8))
        {
            return Http1Error.InvalidRequestTarget;
        }

        var authorityStart = schemeLength + 3;
        var rest = target[authorityStart..];
        var authorityLength = rest.IndexOfAny(Http1Chars.Slash, Http1Chars.Question);
        if (authorityLength < 0)
        {
            authorityLength = rest.Length;
        }

        var authority = rest[..authorityLength];
        if (authority.IsEmpty || !HostValidator.IsValid(authority, requirePort: false))
        {
            return Http1Error.InvalidRequestTarget;
        }

        var path = rest[authorityLength..];
        var pathStart = authorityStart + authorityLength;
        head.Scheme = new ByteRange(offset, schemeLength);
        head.Authority = new ByteRange(offset + authorityStart, authorityLength);
        head.Path = new ByteRange(offset + pathStart, path.Length);
        head.QueryOffset = path.IndexOf(Http1Chars.Question);
        head.AbsoluteForm = true;
        pathNeedsSlash = path.IsEmpty || path[0] == Http1Chars.Question;
        return Http1Error.None;
    }
}
