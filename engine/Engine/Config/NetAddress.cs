using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Engine.Config;

/// <summary>
/// Strict IP and CIDR parsing with Go <c>net/netip</c> rules, which is what Istio validates with.
/// <see cref="IPAddress.TryParse(string, out IPAddress)"/> is too lenient for config: it accepts
/// "1", "1.2" and "010.1.1.1" (legacy inet_aton forms).
/// </summary>
internal static class NetAddress
{
    public static bool IsIp(string text) => TryParseIp(text, out _);

    public static bool TryParseIp(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length == 0 || text[0] == '[')
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit))
            {
                return false;
            }

            var value = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// <c>a.b.c.d/n</c> or <c>v6/n</c>. Like Go's <c>netip.ParsePrefix</c>, host bits may be set
    /// (<c>192.192.192.192/24</c> is valid and means 192.192.192.0/24).
    /// </summary>
    public static bool TryParsePrefix(string text, out IPAddress address, out int prefixLength)
    {
        prefixLength = -1;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseIp(text[..slash], out address) || text.IndexOf('%', StringComparison.Ordinal) >= 0)
        {
            address = IPAddress.None;
            return false;
        }

        var bits = text[(slash + 1)..];
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (bits.Length is 0 or > 3 || (bits.Length > 1 && bits[0] == '0') || !bits.All(char.IsAsciiDigit))
        {
            return false;
        }

        prefixLength = int.Parse(bits, NumberStyles.None, CultureInfo.InvariantCulture);
        return prefixLength <= max;
    }

    /// <summary>An IP address or a CIDR block (Istio's <c>ValidateIPSubnet</c>).</summary>
    public static bool IsIpOrCidr(string text)
        => text.Contains('/', StringComparison.Ordinal) ? TryParsePrefix(text, out _, out _) : IsIp(text);
}
