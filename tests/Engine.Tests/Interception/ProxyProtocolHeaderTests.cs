using System.Net;
using Engine.Config.Model;
using Engine.Interception;

namespace Engine.Tests.Interception;

/// <summary>The PROXY protocol header of DestinationRule <c>proxyProtocol</c>, byte for byte as HAProxy's specification writes it.</summary>
public sealed class ProxyProtocolHeaderTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.77.0.2:40123");
    private static readonly IPEndPoint Destination = IPEndPoint.Parse("10.77.100.43:7700");

    [Fact]
    public void Version1_IsOneTextLine()
        => Assert.Equal("PROXY TCP4 10.77.0.2 10.77.100.43 40123 7700\r\n", System.Text.Encoding.ASCII.GetString(ProxyProtocolHeader.For(ProxyProtocolVersion.V1, Client, Destination)));

    [Fact]
    public void Version1_OverIpv6()
        => Assert.Equal("PROXY TCP6 fd00:77::2 fd00:77::1 40123 443\r\n", System.Text.Encoding.ASCII.GetString(
            ProxyProtocolHeader.For(ProxyProtocolVersion.V1, IPEndPoint.Parse("[fd00:77::2]:40123"), IPEndPoint.Parse("[fd00:77::1]:443"))));

    [Fact]
    public void Version2_IsTheSignatureProxyCommandTcp4_AndTheAddressesInNetworkOrder()
    {
        byte[] expected =
        [
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
            0x21, 0x11, 0x00, 0x0C,                                                 // v2 PROXY, TCP over IPv4, 12 bytes
            10, 77, 0, 2, 10, 77, 100, 43,                                          // source, destination
            0x9C, 0xBB, 0x1E, 0x14,                                                 // 40123, 7700
        ];

        Assert.Equal(expected, ProxyProtocolHeader.For(ProxyProtocolVersion.V2, Client, Destination));
    }

    [Fact]
    public void Version2_MixedFamilies_AreWrittenAsIpv6()
    {
        var header = ProxyProtocolHeader.For(ProxyProtocolVersion.V2, Client, IPEndPoint.Parse("[fd00:77::1]:443"));

        Assert.Equal((byte)0x21, header[13]); // TCP over IPv6
        Assert.Equal(16 + 36, header.Length);
        Assert.Equal(IPAddress.Parse("::ffff:10.77.0.2"), new IPAddress(header.AsSpan(16, 16)));
    }
}
