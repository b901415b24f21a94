using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// The stream objects an h2c connection leaves when it closes serve the next connections
/// (ProxyServer.Http2Streams): a client that keeps opening connections does not make a new set
/// of them every time.
/// </summary>
public sealed class StreamObjectReuseTests
{
    [Fact]
    public async Task StreamObjects_OfAClosedConnection_ServeTheNextOne()
    {
        await using var upstreams = await Upstreams.StartAsync("svc");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstreams.PortOf("svc"), "v1"))], http2: true);
        var pool = sidecar.Sidecar.Server.Http2Streams;

        await OneConnectionAsync(streams: 6);
        await WaitFor.ConditionAsync(() => pool.Count > 0, because: "the closed connection's idle stream objects went to the server's pool");
        var idleAfterFirst = pool.Count;

        await OneConnectionAsync(streams: 1);
        await WaitFor.ConditionAsync(() => pool.Count == idleAfterFirst, because: "the second connection took a stream object from the pool and gave it back when it closed");

        Assert.All(sidecar.Telemetry.Requests, r => Assert.Equal(200, r.Status));

        async Task OneConnectionAsync(int streams)
        {
            var countBefore = pool.Count;
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
            {
                BaseAddress = new Uri($"http://{sidecar.Endpoint}/"),
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Timeout = TimeSpan.FromSeconds(30),
            };
            var sends = Enumerable.Range(0, streams).Select(async _ =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/reuse") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                request.Headers.Host = "svc:8080";
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }).ToArray();
            await Task.WhenAll(sends);
            if (countBefore > 0)
            {
                // While the connection is open, what it took is out of the pool.
                Assert.True(pool.Count < countBefore, $"pool {pool.Count}, before the connection {countBefore}: nothing was taken from it");
            }
        }
    }
}
