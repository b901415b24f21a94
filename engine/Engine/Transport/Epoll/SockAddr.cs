using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// <c>struct sockaddr_in</c> / <c>sockaddr_in6</c> to and from <see cref="IPEndPoint"/>.
/// </summary>
/// <remarks>
/// <code>
/// sockaddr_in  (16 bytes): u16 family (host order) | u16 port (network order) | u8[4] addr  | u8[8] zero
/// sockaddr_in6 (28 bytes): u16 family (host order) | u16 port (network order) | u32 flowinfo | u8[16] addr | u32 scope_id
/// </code>
/// </remarks>
internal static class SockAddr
{
    /// <summary>Room for either family.</summary>
    public const int MaxSize = 28;

    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        var v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        var size = v6 ? 28 : 16;
        destination[..size].Clear();
        MemoryMarshal.Write(destination, (ushort)(v6 ? EpollLibc.AF_INET6 : EpollLibc.AF_INET));
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

    /// <summary>getsockname as an endpoint; null when the socket has none (or is gone).</summary>
    public static unsafe IPEndPoint? LocalOf(int fd)
    {
        var address = stackalloc byte[MaxSize];
        var length = (uint)MaxSize;
        return EpollLibc.GetSockName(fd, address, &length) == 0 ? Read(new ReadOnlySpan<byte>(address, (int)Math.Min(length, MaxSize))) : null;
    }

    /// <summary>An IPv4 or IPv6 address; null for another family or a short buffer.</summary>
    public static IPEndPoint? Read(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 8)
        {
            return null;
        }

        var family = MemoryMarshal.Read<ushort>(raw);
        var port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        return family switch
        {
            EpollLibc.AF_INET => new IPEndPoint(new IPAddress(raw.Slice(4, 4)), port),
            EpollLibc.AF_INET6 when raw.Length >= 28 => new IPEndPoint(new IPAddress(raw.Slice(8, 16), MemoryMarshal.Read<uint>(raw[24..])), port),
            _ => null,
        };
    }
}
