using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.Config.Model;

namespace Engine.Interception;

/// <summary>
/// The PROXY protocol header (HAProxy's proxy-protocol.txt) a DestinationRule's
/// <c>proxyProtocol</c> has the sidecar send first on each upstream TCP connection, as Envoy's
/// upstream proxy_protocol transport socket does: the downstream client's address as the source
/// and the address it asked for (the original destination) as the destination, so the server sees
/// the real client behind the sidecar. Version 1 is a text line; version 2 binary, with the PROXY
/// command. Addresses of two families are both written as IPv6 (IPv4-mapped).
/// </summary>
internal static class ProxyProtocolHeader
{
    // The twelve bytes every version 2 header starts with.
    private static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] For(ProxyProtocolVersion version, IPEndPoint source, IPEndPoint destination)
    {
        if (source.AddressFamily != destination.AddressFamily)
        {
            source = new IPEndPoint(source.Address.MapToIPv6(), source.Port);
            destination = new IPEndPoint(destination.Address.MapToIPv6(), destination.Port);
        }

        return version == ProxyProtocolVersion.V2 ? V2(source, destination) : V1(source, destination);
    }

    /// <summary>"PROXY TCP4|TCP6 source destination sourcePort destinationPort\r\n".</summary>
    private static byte[] V1(IPEndPoint source, IPEndPoint destination)
    {
        var family = source.AddressFamily == AddressFamily.InterNetworkV6 ? "TCP6" : "TCP4";
        return Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n"));
    }

    /// <summary>Signature, version 2 with PROXY, TCP over IPv4 or IPv6, the length, then both addresses and both ports.</summary>
    private static byte[] V2(IPEndPoint source, IPEndPoint destination)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var addressBytes = v6 ? 16 : 4;
        var length = (2 * addressBytes) + 4;
        var header = new byte[16 + length];
        Signature.CopyTo(header);
        header[12] = 0x21;                    // version 2, command PROXY
        header[13] = (byte)(v6 ? 0x21 : 0x11); // AF_INET6 or AF_INET, STREAM
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)length);
        source.Address.TryWriteBytes(header.AsSpan(16), out _);
        destination.Address.TryWriteBytes(header.AsSpan(16 + addressBytes), out _);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + (2 * addressBytes)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + (2 * addressBytes)), (ushort)destination.Port);
        return header;
    }
}
