using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Engine.Interception;

/// <summary>
/// Parses the <c>struct sockaddr_in</c> / <c>struct sockaddr_in6</c> that
/// <c>SO_ORIGINAL_DST</c> / <c>IP6T_SO_ORIGINAL_DST</c> fill in. Pure, so it is tested without
/// iptables.
/// </summary>
/// <remarks>
/// <code>
/// sockaddr_in  (16 bytes): u16 family (host order) | u16 port (network order) | u8[4] addr  | u8[8] zero
/// sockaddr_in6 (28 bytes): u16 family (host order) | u16 port (network order) | u32 flowinfo | u8[16] addr | u32 scope_id (host order)
/// </code>
/// </remarks>
internal static class SockAddr
{
    public const int InetSize = 16;
    public const int Inet6Size = 28;

    /// <summary>Linux <c>AF_INET</c>.</summary>
    public const ushort AfInet = 2;

    /// <summary>Linux <c>AF_INET6</c>.</summary>
    public const ushort AfInet6 = 10;

    /// <summary>Reads an IPv4 or IPv6 socket address; false when the family or the length is wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> raw, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (raw.Length < 4)
        {
            return false;
        }

        var family = MemoryMarshal.Read<ushort>(raw);
        var port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        switch (family)
        {
            case AfInet when raw.Length >= 8:
                endPoint = new IPEndPoint(new IPAddress(raw.Slice(4, 4)), port);
                return true;
            case AfInet6 when raw.Length >= Inet6Size:
                var scope = MemoryMarshal.Read<uint>(raw[24..]);
                endPoint = new IPEndPoint(new IPAddress(raw.Slice(8, 16), scope), port);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes a socket address (the inverse of <see cref="TryParse"/>; tests build kernel answers with it).</summary>
    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        var v6 = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var size = v6 ? Inet6Size : InetSize;
        destination[..size].Clear();
        MemoryMarshal.Write(destination, v6 ? AfInet6 : AfInet);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
        if (v6)
        {
            endPoint.Address.TryWriteBytes(destination.Slice(8, 16), out _);
            MemoryMarshal.Write(destination[24..], (uint)endPoint.Address.ScopeId);
        }
        else
        {
            endPoint.Address.TryWriteBytes(destination.Slice(4, 4), out _);
        }

        return size;
    }
}
