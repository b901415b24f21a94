using System.Net;

namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// The 64-bit hash consistent hashing puts request keys and ring points through. It is fixed, not
/// seeded per process as <see cref="HashCode"/> is: every sidecar in the mesh must send one key
/// to the same endpoint, and a restarted sidecar must go on doing so.
/// </summary>
internal static class StableHash
{
    public static ulong Of(ReadOnlySpan<byte> bytes)
    {
        // FNV-1a, then MurmurHash3's finaliser: FNV alone leaves keys that differ in their last
        // byte close together, which on a ring means on the same endpoint.
        var h = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return Mix(h);
    }

    public static ulong Of(string text) => Of(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The address without its port (an IPv4-mapped IPv6 address counts as the IPv4 one).</summary>
    public static ulong OfAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out var written) ? Of(bytes[..written]) : 0;
    }

    /// <summary>MurmurHash3's 64-bit finaliser: every input bit moves about half the output bits.</summary>
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
