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

    [Theory]
    [InlineData("reviews")]
    [InlineData("reviews:9080")]
    [InlineData("reviews.default.svc.cluster.local.:80")]
    [InlineData("[::1]:8080")]
    [InlineData("[::1]")]
    [InlineData("[::1]x:80")]
    [InlineData("10.0.0.1:70000")]
    [InlineData("10.0.0.1:0")]
    [InlineData("host:")]
    [InlineData("host:8a")]
    [InlineData("host:a8")]
    [InlineData("::1")]
    [InlineData("80")]
    [InlineData(":80")]
    [InlineData("")]
    public void PortOf_AgreesWithHostOf(string authority)
    {
        var bytes = Encoding.ASCII.GetBytes(authority);
        HostName.HostOf(bytes, out var port);

        Assert.Equal(port, HostName.PortOf(bytes));
    }

    [Fact]
    public void PortOf_AgreesWithHostOf_OnRandomAuthorities()
    {
        var random = new Random(3986);
        var alphabet = "ab.:[]0123456789"u8.ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 12)];
            for (var b = 0; b < bytes.Length; b++)
            {
                bytes[b] = alphabet[random.Next(alphabet.Length)];
            }

            HostName.HostOf(bytes, out var port);
            Assert.True(port == HostName.PortOf(bytes), Encoding.ASCII.GetString(bytes));
        }
    }
}
