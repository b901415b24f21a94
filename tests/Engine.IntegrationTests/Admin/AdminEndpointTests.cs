using System.Net;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;
using Engine.IntegrationTests.Telemetry;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Admin;

/// <summary>The admin API on a real socket, against a real proxy with real upstreams.</summary>
public sealed class AdminEndpointTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private ObservedSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("reviews-v1", "reviews-v2");
        _sidecar = await ObservedSidecar.StartAsync(
        [
            MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1"), (_upstreams.PortOf("reviews-v2"), "v2")),
            MeshYaml.Subsets("reviews", "v1", "v2"),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - name: jason
                match: [{headers: {end-user: {exact: jason}}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - route:
                - {destination: {host: reviews, subset: v1}, weight: 80}
                - {destination: {host: reviews, subset: v2}, weight: 20}
            """,
        ], listen: false);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _sidecar.AdminClient.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_Is503UntilTheListenersAreUp_Then200()
    {
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "PRE_INITIALIZING\n"), await GetAsync("/ready"));

        await _sidecar.ListenAsync();

        Assert.Equal((HttpStatusCode.OK, "LIVE\n"), await GetAsync("/ready"));
        Assert.Equal((HttpStatusCode.OK, "OK\n"), await GetAsync("/healthz"));
    }

    [Fact]
    public async Task ConfigDump_IsJson_WithVersionLoadTimeSourcesRoutesAndClusters()
    {
        await _sidecar.ListenAsync();
        var (status, body) = await GetAsync("/config_dump");

        Assert.Equal(HttpStatusCode.OK, status);
        var dump = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, dump.GetProperty("version").GetInt64());
        var loadedAt = dump.GetProperty("loaded_at").GetDateTimeOffset();
        Assert.True(loadedAt > DateTimeOffset.UnixEpoch);
        Assert.Equal(_sidecar.Endpoint.ToString(), dump.GetProperty("listeners")[0].GetString());
        Assert.Equal(3, dump.GetProperty("resources").GetArrayLength());
        Assert.Contains(dump.GetProperty("resources").EnumerateArray(), r => r.GetProperty("kind").GetString() == "VirtualService" && r.GetProperty("line").GetInt32() == 1 && r.GetProperty("file").GetString()!.EndsWith(".yaml", StringComparison.Ordinal));

        var host = dump.GetProperty("virtual_hosts").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "default/reviews");
        var routes = host.GetProperty("routes");
        Assert.Equal("jason", routes[0].GetProperty("name").GetString());
        Assert.Equal("header end-user exact \"jason\"", routes[0].GetProperty("matches")[0].GetString());
        Assert.Contains(routes[0].GetProperty("policies").EnumerateArray(), p => p.GetString()!.StartsWith("retries ", StringComparison.Ordinal));
        var split = routes[1].GetProperty("destinations");
        Assert.Equal(80, split[0].GetProperty("weight").GetInt32());
        Assert.Equal("outbound|9080|v1|reviews.default.svc.cluster.local", split[0].GetProperty("clusters")[0].GetString());

        var v1 = dump.GetProperty("clusters").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "outbound|9080|v1|reviews.default.svc.cluster.local");
        Assert.Equal($"127.0.0.1:{_upstreams.PortOf("reviews-v1")}", v1.GetProperty("endpoints").EnumerateArray().Single().GetProperty("address").GetString());
        Assert.Equal("v1", v1.GetProperty("endpoints")[0].GetProperty("labels").GetProperty("version").GetString());
    }

    [Fact]
    public async Task ConfigDump_AfterAReload_HasTheNewVersion()
    {
        Assert.True(_sidecar.Sidecar.Reload().Succeeded);

        Assert.Equal(2, JsonDocument.Parse((await GetAsync("/config_dump")).Body).RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Clusters_ListsEndpoints_WithInFlightRequestsAndConnections()
    {
        await _sidecar.ListenAsync();
        using var client = _sidecar.ProxyClient();

        // One request held at the v2 upstream; v1 idle.
        var held = _sidecar.SendAsync(client, "reviews:9080", "/", ("end-user", "jason"), ("x-echo-delay-ms", "60000"));
        await WaitFor.ConditionAsync(() => _upstreams["reviews-v2"].Requests == 1, because: "the v2 request arrived");

        var v2Address = $"127.0.0.1:{_upstreams.PortOf("reviews-v2")}";
        var text = (await GetAsync("/clusters")).Body;
        Assert.Contains($"outbound|9080|v2|reviews.default.svc.cluster.local::{v2Address}::rq_active::1\n", text, StringComparison.Ordinal);
        Assert.Contains($"outbound|9080|v2|reviews.default.svc.cluster.local::{v2Address}::cx_active::1\n", text, StringComparison.Ordinal);
        Assert.Contains($"outbound|9080|v2|reviews.default.svc.cluster.local::{v2Address}::health_flags::healthy\n", text, StringComparison.Ordinal);
        Assert.Contains($"outbound|9080|v1|reviews.default.svc.cluster.local::127.0.0.1:{_upstreams.PortOf("reviews-v1")}::rq_active::0\n", text, StringComparison.Ordinal);

        var json = JsonDocument.Parse((await GetAsync("/clusters?format=json")).Body).RootElement;
        var v2 = json.GetProperty("clusters").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "outbound|9080|v2|reviews.default.svc.cluster.local");
        var host = v2.GetProperty("hosts").EnumerateArray().Single();
        Assert.Equal(v2Address, host.GetProperty("address").GetString());
        Assert.Equal(1, host.GetProperty("active_requests").GetInt32());
        Assert.Equal(1, host.GetProperty("active_connections").GetInt32());
        Assert.False(host.GetProperty("ejected").GetBoolean());

        client.CancelPendingRequests();
        await Assert.ThrowsAnyAsync<Exception>(() => held);
    }

    [Fact]
    public async Task Logging_GetShowsTheLevel_PostChangesIt_GetCannot()
    {
        Assert.Equal((HttpStatusCode.OK, "level: info\n"), await GetAsync("/logging"));

        using (var post = await _sidecar.AdminClient.PostAsync("/logging?level=debug", null))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
            Assert.Equal("level: debug\n", await post.Content.ReadAsStringAsync());
        }

        Assert.Equal(LogLevel.Debug, _sidecar.Logging.MinimumLevel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await GetAsync("/logging?level=error")).Status);
        using (var bad = await _sidecar.AdminClient.PostAsync("/logging?level=loud", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        Assert.Equal(LogLevel.Debug, _sidecar.Logging.MinimumLevel);
    }

    [Fact]
    public async Task ServerInfo_AndIndex_AndUnknownPaths()
    {
        await _sidecar.ListenAsync();
        var info = JsonDocument.Parse((await GetAsync("/server_info")).Body).RootElement;
        Assert.Equal("LIVE", info.GetProperty("state").GetString());
        Assert.Equal("0.0.0-test", info.GetProperty("version").GetString());
        Assert.Equal(_sidecar.Admin.EndPoint!.ToString(), info.GetProperty("admin").GetString());

        Assert.Contains("/stats/prometheus", (await GetAsync("/")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/nope")).Status);
        using var post = await _sidecar.AdminClient.PostAsync("/ready", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task AdminConnection_ServesSeveralRequests_AndAnswersHeadAndMalformedRequests()
    {
        await using var raw = await RawHttp.ConnectAsync((IPEndPoint)_sidecar.Admin.EndPoint!);
        await raw.SendAsync("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nHEAD /ready HTTP/1.1\r\nHost: a\r\n\r\nPOST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        var all = await raw.ReadToEndAsync();

        var statusLines = System.Text.RegularExpressions.Regex.Matches(all, @"HTTP/1\.1 (\d{3}) ").Select(m => m.Groups[1].Value);
        Assert.Equal(["200", "503", "405", "200"], statusLines);
        var headAnswer = all[all.IndexOf("HTTP/1.1 503", StringComparison.Ordinal)..all.IndexOf("HTTP/1.1 405", StringComparison.Ordinal)];
        Assert.EndsWith("\r\n\r\n", headAnswer, StringComparison.Ordinal); // HEAD: the head only
        Assert.Contains("Content-Length: 17", headAnswer, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("connection: close\r\n\r\nOK\n", all, StringComparison.Ordinal);

        await using var bad = await RawHttp.ConnectAsync((IPEndPoint)_sidecar.Admin.EndPoint!);
        await bad.SendAsync("GET / HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", await bad.ReadToEndAsync(), StringComparison.Ordinal);
    }
}
