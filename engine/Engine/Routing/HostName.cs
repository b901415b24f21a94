namespace Engine.Routing;

/// <summary>Splits an authority ("host", "host:port", "[v6]:port") into host and port bytes.</summary>
internal static class HostName
{
    /// <summary>The host part without port, brackets or a trailing dot.</summary>
    public static ReadOnlySpan<byte> HostOf(ReadOnlySpan<byte> authority, out int port)
    {
        port = -1;
        ReadOnlySpan<byte> host;
        if (!authority.IsEmpty && authority[0] == (byte)'[')
        {
            var close = authority.IndexOf((byte)']');
            if (close < 0)
            {
                return authority;
            }

            host = authority[1..close];
            var rest = authority[(close + 1)..];
            if (rest.Length > 1 && rest[0] == (byte)':')
            {
                port = ParsePort(rest[1..]);
            }

            return host;
        }

        var colon = authority.LastIndexOf((byte)':');
        if (colon >= 0)
        {
            port = ParsePort(authority[(colon + 1)..]);
            host = authority[..colon];
        }
        else
        {
            host = authority;
        }

        if (!host.IsEmpty && host[^1] == (byte)'.')
        {
            host = host[..^1];
        }

        return host;
    }

    /// <summary>
    /// The port <see cref="HostOf"/> would report, without splitting off the host: digits read back
    /// from the end up to a colon. Every request asks this before routing, and for the usual authority
    /// without a port the answer comes from its last byte.
    /// </summary>
    public static int PortOf(ReadOnlySpan<byte> authority)
    {
        if (!authority.IsEmpty && authority[0] == (byte)'[')
        {
            HostOf(authority, out var bracketedPort);
            return bracketedPort;
        }

        var start = authority.Length;
        while (start > 0 && (uint)(authority[start - 1] - '0') <= 9)
        {
            start--;
        }

        // After the last colon there must be digits only; anything else is no port, as in HostOf.
        return start > 0 && authority[start - 1] == (byte)':' ? ParsePort(authority[start..]) : -1;
    }

    private static int ParsePort(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 5)
        {
            return -1;
        }

        var value = 0;
        foreach (var b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return -1;
            }

            value = (value * 10) + (b - '0');
        }

        return value is > 0 and <= 65535 ? value : -1;
    }
}
