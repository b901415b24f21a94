namespace Engine.Protocols.Http1;

/// <summary>
/// RFC 9112 §3.2: a server MUST answer 400 to a Host field value that is invalid. The value is
/// RFC 9110 §7.2 <c>uri-host [ ":" port ]</c>. We accept an IP-literal (<c>[v6]</c>) or a reg-name /
/// IPv4 made of unreserved, pct-encoded and sub-delims bytes except ',' (a comma only ever appears
/// in a smuggled list like "a, b"), and a port of up to 5 digits. Userinfo ('@', forbidden by
/// RFC 9110 §4.2.4), '/', whitespace and anything else are rejected. Emptiness is the caller's call.
/// </summary>
internal static class HostValidator
{
    private const int MaxPortDigits = 5;

    public static bool IsValid(ReadOnlySpan<byte> authority, bool requirePort)
    {
        ReadOnlySpan<byte> rest;
        if (!authority.IsEmpty && authority[0] == (byte)'[')
        {
            var close = authority.IndexOf((byte)']');
            if (close < 2 || authority[1..close].ContainsAnyExcept(Http1Chars.IpLiteral))
            {
                return false;
            }

            rest = authority[(close + 1)..];
        }
        else
        {
            var end = authority.IndexOfAnyExcept(Http1Chars.RegName);
            if (end == 0)
            {
                return false;
            }

            rest = end < 0 ? ReadOnlySpan<byte>.Empty : authority[end..];
        }

        if (rest.IsEmpty)
        {
            return !requirePort;
        }

        var port = rest[1..];
        return rest[0] == Http1Chars.Colon
            && port.Length <= MaxPortDigits
            && !port.ContainsAnyExcept(Http1Chars.Digits)
            && (!requirePort || !port.IsEmpty);
    }
}
