using System.Net;
using Engine.Config;

namespace Engine.Interception;

/// <summary>CIDR blocks from config (ServiceEntry <c>addresses</c>, TCP <c>destinationSubnets</c>).</summary>
internal static class Subnet
{
    /// <summary>
    /// Parses <c>a.b.c.d/n</c> or <c>v6/n</c> (a bare IP is a /32 or /128). Host bits may be set,
    /// as Istio (Go's netip) allows; they are cleared, since <see cref="IPNetwork"/> refuses them.
    /// </summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        network = default;
        IPAddress address;
        int prefix;
        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (!NetAddress.TryParsePrefix(text, out address, out prefix))
            {
                return false;
            }
        }
        else if (NetAddress.TryParseIp(text, out address))
        {
            prefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        }
        else
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        bytes = bytes[..length];
        for (var bit = prefix; bit < length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    public static bool AnyContains(IPNetwork[] networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
