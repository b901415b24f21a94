using System.Text;
using Engine.Routing;

namespace Engine.Tests.Routing;

public sealed class HostNameTests
{
    [Theory]
    [InlineData("reviews", "reviews", -1)]
    [InlineData("reviews:9080", "reviews", 9080)]
    [InlineData("reviews.default.svc.cluster.local.:80", "reviews.default.svc.cluster.local", 80)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("[::1]", "::1", -1)]
    [InlineData("10.0.0.1:70000", "10.0.0.1", -1)]
    [InlineData("host:", "host", -1)]
    public void HostOf_SplitsHostAndPort(string authority, string host, int port)
    {
        var parsed = HostName.HostOf(Encoding.ASCII.GetBytes(authority), out var parsedPort);

        Assert.Equal(host, Encoding.ASCII.GetString(parsed));
        Assert.Equal(port, parsedPort);
    }
}
