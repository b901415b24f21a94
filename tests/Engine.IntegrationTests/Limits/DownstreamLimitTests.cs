using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Limits;

/// <summary>Downstream limits (robustness.md §3.3): head timeout, idle timeout, requests per connection, connection and memory ceilings.</summary>
public sealed class DownstreamLimitTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-1");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private Task<TestSidecar> StartAsync(ProxyOptions options) => TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1"))], proxy: options);

    [Fact]
    public async Task Slowloris_AHeadNotFinishedInTime_Gets408AndTheConnectionCloses()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(300) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nX-Slow: ");
        var received = await raw.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 408 ", received, StringComparison.Ordinal);
        Assert.Contains("connection: close", received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HeadTimeout_RestartsForEveryRequest_OnAKeepAliveConnection()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(500), IdleTimeout = TimeSpan.FromSeconds(30) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        for (var i = 0; i < 3; i++)
        {
            await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            Assert.Equal(200, (await raw.ReadResponseAsync()).Status);
            await Task.Delay(700); // idle between requests is not a slow head
        }
    }

    /// <summary>
    /// The head timeout counts from a head's first byte, the first request's too (Envoy's
    /// request_headers_timeout, Kestrel's RequestHeadersTimeout): a connection opened ahead of its
    /// first request is idle, not a slow head. Before, it got a 408 for a request it never sent
    /// (the bench's open-loop generator, whose spare connections wait, counted them as errors).
    /// </summary>
    [Fact]
    public async Task NewConnection_SilentLongerThanTheHeadTimeout_IsIdleNotSlow()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(300), IdleTimeout = TimeSpan.FromSeconds(30) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await Task.Delay(900);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task NewConnection_SilentPastTheIdleTimeout_IsClosedWithoutAnAnswer()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { RequestHeadTimeout = TimeSpan.FromSeconds(30), IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        Assert.Equal(string.Empty, await raw.ReadToEndAsync(10_000));
    }

    [Fact]
    public async Task StalledHttp2Preface_IsASlowHead_408()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { RequestHeadTimeout = TimeSpan.FromMilliseconds(300), IdleTimeout = TimeSpan.FromSeconds(30) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await raw.SendAsync("PRI * HTTP/2.0\r\n"); // could still be the h2c preface: the proxy waits for more
        var received = await raw.ReadToEndAsync(10_000);

        Assert.StartsWith("HTTP/1.1 408 ", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleKeepAliveConnection_IsClosedAfterTheIdleTimeout()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);

        Assert.True(await raw.IsClosedByPeerAsync(10_000));
    }

    [Fact]
    public async Task MaxRequestsPerConnection_TheLastAnswerSaysClose()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { MaxRequestsPerConnection = 3 });
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        for (var i = 1; i <= 3; i++)
        {
            await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal(i == 3, response.Headers["connection"].Contains("close"));
        }

        Assert.True(await raw.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task MaxConnections_ExtraConnectionsGet503AndClose_OthersStillServed()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { MaxConnections = 2 });
        await using var first = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await using var second = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await first.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        await second.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        Assert.Equal(200, (await first.ReadResponseAsync()).Status);
        Assert.Equal(200, (await second.ReadResponseAsync()).Status);

        await using var third = await RawHttp.ConnectAsync(sidecar.Endpoint);
        var shed = await third.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 503 ", shed, StringComparison.Ordinal);
        Assert.Contains("x-envoy-overloaded: true", shed, StringComparison.Ordinal);
        await first.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        Assert.Equal(200, (await first.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task MemoryCeiling_ShedsRequestsWith503_InsteadOfGrowing()
    {
        await using var sidecar = await StartAsync(new ProxyOptions { MaxHeapBytes = 1 });
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Overloaded);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("true", reply.Header("x-envoy-overloaded"));
    }
}
