using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Http2;

/// <summary>
/// Field rules of HTTP/2 messages (RFC 9113 §8.2), as pure checks shared by the request, response
/// and trailer sinks. A violation makes the message malformed: a stream error PROTOCOL_ERROR
/// (§8.1.1), never a connection error (robustness.md §1.7, Envoy's level-two guidance). The
/// checks are as strict as the HTTP/1.1 parser's so that nothing an HTTP/2 peer sends can become
/// an injection when the request is forwarded over HTTP/1.1.
/// </summary>
public static class Http2FieldRules
{
    /// <summary>
    /// RFC 9110 §5.6.2 tchar without uppercase: §8.2.1 forbids 0x00–0x20, 'A'–'Z' and 0x7F–0xFF
    /// outright; the other non-token bytes are refused too (they are invalid in HTTP/1.1).
    /// </summary>
    private static readonly SearchValues<byte> LowercaseToken =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> SchemeChars =
        SearchValues.Create("+-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);

    /// <summary>§8.2.1: a field name is a non-empty lowercase token.</summary>
    public static Http2Error ValidateName(ReadOnlySpan<byte> name)
        => name.IsEmpty || name.ContainsAnyExcept(LowercaseToken) ? Http2Error.InvalidHeaderName : Http2Error.None;

    /// <summary>
    /// §8.2.1: no NUL, CR or LF anywhere and no leading or trailing SP/HTAB; other controls and DEL
    /// are refused as in HTTP/1.1 (RFC 9110 §5.5). obs-text (≥ 0x80) is allowed.
    /// </summary>
    public static Http2Error ValidateValue(ReadOnlySpan<byte> value)
    {
        if (value.ContainsAny(Http1Chars.InvalidFieldValue))
        {
            return Http2Error.InvalidHeaderValue;
        }

        return !value.IsEmpty && (Http1Chars.IsOws(value[0]) || Http1Chars.IsOws(value[^1]))
            ? Http2Error.InvalidHeaderValue
            : Http2Error.None;
    }

    /// <summary>
    /// §8.2.2: connection-specific fields (Connection, Keep-Alive, Proxy-Connection,
    /// Transfer-Encoding, Upgrade) make a message malformed, and TE may only be "trailers".
    /// </summary>
    public static Http2Error CheckConnectionSpecific(KnownHeader known, ReadOnlySpan<byte> value) => known switch
    {
        KnownHeader.Connection or KnownHeader.KeepAlive or KnownHeader.ProxyConnection
            or KnownHeader.TransferEncoding or KnownHeader.Upgrade => Http2Error.ConnectionSpecificHeader,
        KnownHeader.Te when !Ascii.EqualsIgnoreCase(value, "trailers"u8) => Http2Error.InvalidTe,
        _ => Http2Error.None,
    };

    /// <summary>
    /// Every rule a regular (non-pseudo) field must pass, and its identity. Used by all three sinks.
    /// </summary>
    public static Http2Error CheckRegularField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out KnownHeader known)
    {
        known = KnownHeader.None;
        var error = ValidateName(name);
        if (error != Http2Error.None)
        {
            return error;
        }

        if ((error = ValidateValue(value)) != Http2Error.None)
        {
            return error;
        }

        known = KnownHeaders.Identify(name);
        return CheckConnectionSpecific(known, value);
    }

    /// <summary>:method is a token (RFC 9110 §9.1).</summary>
    public static bool IsValidMethod(ReadOnlySpan<byte> method) => !method.IsEmpty && !method.ContainsAnyExcept(Http1Chars.Token);

    /// <summary>:scheme is an RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).</summary>
    public static bool IsValidScheme(ReadOnlySpan<byte> scheme)
        => !scheme.IsEmpty && char.IsAsciiLetter((char)scheme[0]) && !scheme.ContainsAnyExcept(SchemeChars);

    /// <summary>
    /// :path (§8.3.1): not empty; origin-form ("/" first) or "*" (OPTIONS only, checked by the
    /// caller); bytes of an HTTP/1.1 request-target only, so a downgraded request line cannot be split.
    /// </summary>
    public static bool IsValidPath(ReadOnlySpan<byte> path)
        => !path.IsEmpty && (path[0] == (byte)'/' || path.SequenceEqual("*"u8)) && !path.ContainsAnyExcept(Http1Chars.Target);

    /// <summary>:authority and Host: uri-host [ ":" port ] without userinfo (§8.3.1 forbids it), as for HTTP/1.1 Host.</summary>
    public static bool IsValidAuthority(ReadOnlySpan<byte> authority, bool requirePort)
        => !authority.IsEmpty && HostValidator.IsValid(authority, requirePort);
}
