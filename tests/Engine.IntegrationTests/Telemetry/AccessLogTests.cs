using Engine.IntegrationTests.Infrastructure;
using Engine.Telemetry.AccessLogs;

namespace Engine.IntegrationTests.Telemetry;

/// <summary>
/// The access log written by the real proxy for the answers an operator greps for — a proxied
/// 200, Envoy's 404 NR, 503 UF, 400 DPE — in both formats, read back by a parser of each.
/// </summary>
public sealed class AccessLogTests : IAsyncLifetime
{
    private Upstreams? _upstreams;
    private ObservedSidecar? _sidecar;

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task EachKindOfAnswer_IsLogged_WithItsStatusFlagsAndDetails(string formatName)
    {
        var format = formatName == "json" ? AccessLogFormat.Json : AccessLogFormat.Text;
        _upstreams = await Upstreams.StartAsync("reviews-v1");
        using var dead = new RefusingPort(); // connects are refused: the connect fails
        _sidecar = await ObservedSidecar.StartAsync(
            [MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1")), MeshYaml.Service("dead", 80, (dead.Port, "v1")), PrometheusScrapeTests.RoutedVirtualService],
            format);
        using var client = _sidecar.ProxyClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("access-log-test/1.0");

        Assert.Equal(200, (int)(await _sidecar.SendAsync(client, "reviews:9080", "/reviews/1?q=2")).StatusCode);
        Assert.Equal(404, (int)(await _sidecar.SendAsync(client, "reviews:9080", "/other")).StatusCode);
        Assert.Equal(503, (int)(await _sidecar.SendAsync(client, "dead", "/")).StatusCode);
        await using (var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint))
        {
            await raw.SendAsync("POST /x HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
            Assert.StartsWith("HTTP/1.1 400 ", await raw.ReadToEndAsync(), StringComparison.Ordinal);
        }

        var lines = (await _sidecar.AccessLogLinesAsync(4))
            .Select(l => format == AccessLogFormat.Json ? AccessLogLine.ParseJson(l) : AccessLogLine.ParseText(l))
            .ToArray();

        // By status, not by position: a line is written after its answer went out, so a next
        // request's line can come first (seen once: the 400 ahead of the 503 it followed).
        Assert.Equal(4, lines.Length);
        Assert.Equal([200, 400, 404, 503], lines.Select(l => l.Status).Order());
        var ok = lines.Single(l => l.Status == 200);
        Assert.Equal(("GET", "/reviews/1?q=2", "HTTP/1.1", 200, "-", "via_upstream"), (ok.Method, ok.Path, ok.Protocol, ok.Status, ok.Flags, ok.Details));
        Assert.Equal("access-log-test/1.0", ok.UserAgent);
        Assert.Equal("reviews:9080", ok.Authority);
        Assert.Equal($"127.0.0.1:{_upstreams.PortOf("reviews-v1")}", ok.UpstreamHost);
        Assert.Equal("outbound|9080||reviews.default.svc.cluster.local", ok.Cluster);
        Assert.Equal("reviews-route", ok.Route);
        Assert.True(ok.BytesSent > 0);
        Assert.StartsWith("127.0.0.1:", ok.DownstreamRemote, StringComparison.Ordinal);

        var noRoute = lines.Single(l => l.Status == 404);
        Assert.Equal((404, "NR", "route_not_found", "-", "-", "-"), (noRoute.Status, noRoute.Flags, noRoute.Details, noRoute.UpstreamHost, noRoute.Cluster, noRoute.Route));

        var connectFailure = lines.Single(l => l.Status == 503);
        Assert.Equal(503, connectFailure.Status);
        Assert.Equal("UF,URX", connectFailure.Flags); // Istio's default retries, then gives up
        Assert.Equal("upstream_reset_before_response_started{connection_failure}", connectFailure.Details);
        Assert.Equal("outbound|80||dead.default.svc.cluster.local", connectFailure.Cluster);

        var rejected = lines.Single(l => l.Status == 400);
        Assert.Equal((400, "DPE", "http1.codec_error"), (rejected.Status, rejected.Flags, rejected.Details));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        if (_upstreams is not null)
        {
            await _upstreams.DisposeAsync();
        }
    }
}
