using System.Net;
using Engine.Interception;

namespace Engine.Tests.Interception;

public sealed class SubnetTests
{
    [Theory]
    [InlineData("10.78.0.0/16", "10.78.255.1", true)]
    [InlineData("10.78.0.0/16", "10.79.0.1", false)]
    [InlineData("192.192.192.192/24", "192.192.192.7", true)] // host bits set: allowed, as in Istio
    [InlineData("10.0.0.5", "10.0.0.5", true)]                // a bare IP is a /32
    [InlineData("10.0.0.5", "10.0.0.6", false)]
    [InlineData("fd00:77::/64", "fd00:77::1234", true)]
    [InlineData("fd00:77::/64", "fd00:78::1", false)]
    public void Contains(string cidr, string address, bool expected)
    {
        Assert.True(Subnet.TryParse(cidr, out var network));
        Assert.Equal(expected, network.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not-an-ip/8")]
    [InlineData("010.0.0.1")]
    public void Invalid_IsRefused(string text) => Assert.False(Subnet.TryParse(text, out _));
}
