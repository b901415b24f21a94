using System.Net;
using Engine.Interception;

namespace Engine.Tests.Interception;

public sealed class SockAddrTests
{
    [Fact]
    public void Parse_SockaddrIn_ReadsNetworkOrderPortAndAddress()
    {
        // AF_INET (2, host order), port 8080 (0x1F90, network order), 10.77.0.1, 8 bytes of zero.
        byte[] raw = [2, 0, 0x1F, 0x90, 10, 77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.True(SockAddr.TryParse(raw, out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.0.1"), 8080), endPoint);
    }

    [Fact]
    public void Parse_SockaddrIn6_ReadsAddressAndScope()
    {
        var raw = new byte[SockAddr.Inet6Size];
        raw[0] = 10; // AF_INET6
        raw[2] = 0x01;
        raw[3] = 0xBB; // 443
        IPAddress.Parse("fd00:77::1").TryWriteBytes(raw.AsSpan(8, 16), out _);
        raw[24] = 3; // scope id 3, host order

        Assert.True(SockAddr.TryParse(raw, out var endPoint));
        Assert.Equal(443, endPoint.Port);
        Assert.Equal(IPAddress.Parse("fd00:77::1%3"), endPoint.Address);
        Assert.Equal(3, endPoint.Address.ScopeId);
    }

    [Theory]
    [InlineData("127.0.0.1:15001")]
    [InlineData("10.77.100.10:9080")]
    [InlineData("[::1]:80")]
    [InlineData("[fd00:77::2]:65535")]
    public void WriteThenParse_RoundTrips(string text)
    {
        var endPoint = IPEndPoint.Parse(text);
        Span<byte> raw = stackalloc byte[SockAddr.Inet6Size];

        var length = SockAddr.Write(endPoint, raw);

        Assert.Equal(endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? SockAddr.InetSize : SockAddr.Inet6Size, length);
        Assert.True(SockAddr.TryParse(raw[..length], out var parsed));
        Assert.Equal(endPoint, parsed);
    }

    [Fact]
    public void Parse_RejectsWrongFamilyAndShortBuffers()
    {
        byte[] unix = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // AF_UNIX
        byte[] truncatedV6 = new byte[SockAddr.InetSize];
        truncatedV6[0] = 10;

        Assert.False(SockAddr.TryParse(unix, out _));
        Assert.False(SockAddr.TryParse(truncatedV6, out _));
        Assert.False(SockAddr.TryParse([2, 0, 0], out _));
        Assert.False(SockAddr.TryParse([], out _));
    }

    [Fact]
    public void AddressesFromDualModeSockets_AreStoredAsIPv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 15001);

        var local = new ServerAddress(mapped);
        var destination = new OriginalDestination(new IPEndPoint(IPAddress.Loopback, 15001));
        var client = new ClientAddress(new IPEndPoint(IPAddress.Parse("::ffff:10.77.0.2"), 40000));

        Assert.Equal("127.0.0.1:15001", local.ToString());
        Assert.Equal("10.77.0.2:40000", client.ToString());
        Assert.True(destination.IsSameAs(local));
        Assert.False(new OriginalDestination(IPEndPoint.Parse("10.77.0.1:80")).IsSameAs(local));
    }
}
