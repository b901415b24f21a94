using System.Net;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Proxying;

/// <summary>What the proxy does to requests and responses on the way through, and connection reuse.</summary>
public sealed class ForwardingTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private TestSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("svc-1");
        _sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1"))]);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    private static JsonElement Headers(string echoBody) => JsonDocument.Parse(echoBody).RootElement.GetProperty("headers");

    [Fact]
    public async Task Request_GetsForwardedProtoRequestIdAndAttemptCount_AsTheEnvoySidecarAdds()
    {
        using var response = await _sidecar.GetAsync("svc:8080");
        var headers = Headers(await response.Content.ReadAsStringAsync());

        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", headers.GetProperty("x-request-id").GetString());
        Assert.Equal("1", headers.GetProperty("x-envoy-attempt-count").GetString());
        Assert.Equal("svc:8080", headers.GetProperty("host").GetString());
    }

    [Fact]
    public async Task Request_KeepsAClientRequestId()
    {
        using var response = await _sidecar.GetAsync("svc:8080", "/", ("x-request-id", "my-id-1"));
        var headers = Headers(await response.Content.ReadAsStringAsync());

        Assert.Equal("my-id-1", headers.GetProperty("x-request-id").GetString());
    }

    [Fact]
    public async Task HopByHopHeaders_AreNotForwarded_IncludingThoseConnectionNames()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nConnection: keep-alive, x-private\r\nx-private: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nx-public: ok\r\n\r\n");

        var response = await raw.ReadResponseAsync();
        var headers = Headers(response.Body);

        Assert.Equal(200, response.Status);
        Assert.Equal("ok", headers.GetProperty("x-public").GetString());
        Assert.False(headers.TryGetProperty("x-private", out _));
        Assert.False(headers.TryGetProperty("keep-alive", out _));
        Assert.False(headers.TryGetProperty("proxy-connection", out _));
        Assert.False(headers.TryGetProperty("te", out _));
        Assert.False(headers.TryGetProperty("connection", out _));
    }

    [Fact]
    public async Task Response_CarriesUpstreamServiceTime()
    {
        using var response = await _sidecar.GetAsync("svc:8080");

        Assert.True(response.Headers.TryGetValues("x-envoy-upstream-service-time", out var values));
        Assert.True(int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
    }

    [Fact]
    public async Task KeepAlive_ReusesUpstreamConnections()
    {
        var before = _upstreams["svc-1"].Connections;
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("svc-1", await _sidecar.ServedByAsync("svc:8080"));
        }

        // One client connection, sequential requests: one upstream connection carries them all.
        Assert.Equal(1, _upstreams["svc-1"].Connections - before);
    }

    [Fact]
    public async Task PipelinedRequests_AreAnsweredInOrder()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync(
            "GET /first HTTP/1.1\r\nHost: svc:8080\r\n\r\n" +
            "GET /second HTTP/1.1\r\nHost: svc:8080\r\n\r\n" +
            "GET /third HTTP/1.1\r\nHost: svc:8080\r\nConnection: close\r\n\r\n");

        var paths = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var response = await raw.ReadResponseAsync();
            paths.Add(JsonDocument.Parse(response.Body).RootElement.GetProperty("path").GetString()!);
        }

        Assert.Equal(["/first", "/second", "/third"], paths);
        Assert.True(await raw.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task ConnectionClose_FromTheClient_IsHonoured()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nConnection: close\r\n\r\n");

        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Contains("close", response.Headers["connection"]);
        Assert.True(await raw.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task Http10Client_WithoutKeepAlive_GetsAClosedConnection()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.0\r\nHost: svc:8080\r\n\r\n");

        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.True(await raw.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task UpstreamStatus_IsPassedThrough()
    {
        using var response = await _sidecar.GetAsync("svc:8080", "/", ("x-echo-status", "418"));

        Assert.Equal(418, (int)response.StatusCode);
        Assert.Equal("svc-1", response.Headers.GetValues("x-served-by").Single());
    }

    [Fact]
    public async Task HeadRequest_GetsNoBody_AndTheConnectionSurvives()
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, "/");
        head.Headers.Host = "svc:8080";
        using var response = await _sidecar.Client.SendAsync(head);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("svc-1", await _sidecar.ServedByAsync("svc:8080"));
    }
}
