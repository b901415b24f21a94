using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Telemetry;

/// <summary>
/// Known traffic through the real proxy, then /stats/prometheus read by a strict parser: the
/// families, labels and values an operator's dashboards and alerts would read.
/// </summary>
public sealed class PrometheusScrapeTests : IAsyncLifetime
{
    private const string Cluster = "outbound|9080||reviews.default.svc.cluster.local";
    private const string Route = "reviews-route";

    private Upstreams _upstreams = null!;
    private ObservedSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("reviews-v1");
        _sidecar = await ObservedSidecar.StartAsync([MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1")), RoutedVirtualService]);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    internal const string RoutedVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - name: reviews-route
            match: [{uri: {prefix: /reviews}}]
            route: [{destination: {host: reviews}}]
        """;

    /// <summary>
    /// Prometheus' own parser (promtool, from Debian's prometheus package) reads the scrape after
    /// traffic of every kind: no parse error. Its lint notes on names are expected and allowed —
    /// the families carry Envoy's names (no <c>_total</c> suffix) because Istio's dashboards use them.
    /// </summary>
    [SkippableFact]
    public async Task Scrape_IsAcceptedByPromtool()
    {
        Skip.IfNot(File.Exists("/usr/bin/promtool"), "promtool is not installed (scripts/bootstrap.sh installs Debian's prometheus package)");
        using var client = _sidecar.ProxyClient();
        await _sidecar.SendAsync(client, "reviews:9080", "/reviews/1");
        await _sidecar.SendAsync(client, "reviews:9080", "/reviews/1", ("x-echo-status", "503"));
        await _sidecar.SendAsync(client, "reviews:9080", "/other");
        using var response = await _sidecar.AdminClient.GetAsync("/stats/prometheus");
        var text = await response.Content.ReadAsStringAsync();

        using var promtool = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await promtool.StandardInput.WriteAsync(text);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();

        Assert.True(text.Length > 1000, "scrape too short:\n" + text);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches("metrics should (not )?have \"_total\" suffix$", line));
        Assert.True(promtool.ExitCode is 0 or 3, $"promtool exit {promtool.ExitCode}: {output}"); // 3: lint notes only
    }

    [Fact]
    public async Task Scrape_AfterKnownTraffic_CountsEveryRequest_ByClass_ClusterAndRoute()
    {
        using var client = _sidecar.ProxyClient();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(200, (int)(await _sidecar.SendAsync(client, "reviews:9080", "/reviews/1")).StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(503, (int)(await _sidecar.SendAsync(client, "reviews:9080", "/reviews/1", ("x-echo-status", "503"))).StatusCode);
        }

        Assert.Equal(404, (int)(await _sidecar.SendAsync(client, "reviews:9080", "/other")).StatusCode);

        // A request is counted right after its last byte is written: wait for the 14th.
        PrometheusScrape scrape = null!;
        await WaitFor.ConditionAsync(() =>
        {
            scrape = _sidecar.ScrapeAsync().GetAwaiter().GetResult();
            return scrape.Value("envoy_http_downstream_rq_total") == 14;
        }, because: "14 requests counted");

        Assert.Equal("counter", scrape.Family("envoy_http_downstream_rq_total").Type);
        Assert.Equal(10, scrape.Value("envoy_http_downstream_rq_xx", ("envoy_response_code_class", "2")));
        Assert.Equal(1, scrape.Value("envoy_http_downstream_rq_xx", ("envoy_response_code_class", "4")));
        Assert.Equal(3, scrape.Value("envoy_http_downstream_rq_xx", ("envoy_response_code_class", "5")));
        Assert.Equal(0, scrape.Value("envoy_http_downstream_rq_active"));
        Assert.Equal("gauge", scrape.Family("envoy_http_downstream_rq_active").Type);
        Assert.Equal(1, scrape.Value("envoy_http_no_route"));
        Assert.Equal(1, scrape.Value("engine_http_downstream_rq_response_flag", ("response_flag", "NR")));
        Assert.Equal(14, scrape.Value("envoy_http_downstream_rq_time_count"));
        Assert.True(scrape.Value("envoy_http_downstream_cx_total") >= 1);

        Assert.Equal(13, scrape.Value("envoy_cluster_upstream_rq_total", ("envoy_cluster_name", Cluster)));
        Assert.Equal(10, scrape.Value("envoy_cluster_upstream_rq_xx", ("envoy_response_code_class", "2"), ("envoy_cluster_name", Cluster)));
        Assert.Equal(3, scrape.Value("envoy_cluster_upstream_rq_xx", ("envoy_response_code_class", "5"), ("envoy_cluster_name", Cluster)));
        Assert.Equal(0, scrape.Value("envoy_cluster_upstream_rq_xx", ("envoy_response_code_class", "4"), ("envoy_cluster_name", Cluster)));
        Assert.Equal("histogram", scrape.Family("envoy_cluster_upstream_rq_time").Type);
        Assert.Equal(13, scrape.Value("envoy_cluster_upstream_rq_time_count", ("envoy_cluster_name", Cluster)));
        Assert.Equal(13, scrape.Value("envoy_cluster_upstream_rq_time_bucket", ("envoy_cluster_name", Cluster), ("le", "+Inf")));
        Assert.Equal(1, scrape.Value("envoy_cluster_upstream_cx_total", ("envoy_cluster_name", Cluster)));
        Assert.Equal(1, scrape.Value("envoy_cluster_membership_total", ("envoy_cluster_name", Cluster)));
        Assert.Equal(0, scrape.Value("envoy_cluster_upstream_rq_retry", ("envoy_cluster_name", Cluster)));

        Assert.Equal(13, scrape.Value("engine_route_rq_total", ("route_name", Route)));
        Assert.Equal(3, scrape.Value("engine_route_rq_xx", ("response_code_class", "5"), ("route_name", Route)));

        Assert.Equal(0, scrape.Value("engine_config_reload_success")); // the first load is not a reload
        Assert.Equal(0, scrape.Value("engine_config_reload_failure"));
        Assert.Equal(1, scrape.Value("engine_config_version"));
        Assert.Equal(0, scrape.Value("envoy_cluster_upstream_rq_pending_overflow", ("envoy_cluster_name", Cluster)));
        Assert.Equal(0, scrape.Value("envoy_cluster_upstream_rq_timeout", ("envoy_cluster_name", Cluster)));
        Assert.Equal(0, scrape.Value("envoy_server_state"));
        Assert.Equal(1, scrape.Value("envoy_server_live"));
        Assert.Equal(14, scrape.Value("engine_access_log_lines"));
    }

    [Fact]
    public async Task Scrape_CountsConnectFailuresAndRetries_AndReloads()
    {
        // A second cluster whose only endpoint refuses connections: Istio's default policy retries twice.
        using var dead = new RefusingPort();
        await File.WriteAllTextAsync(Path.Combine(_sidecar.ConfigDirectory, "dead.yaml"), MeshYaml.Service("dead", 80, (dead.Port, "v1")));
        Assert.True(_sidecar.Sidecar.Reload().Succeeded);
        await File.WriteAllTextAsync(Path.Combine(_sidecar.ConfigDirectory, "broken.yaml"), "kind: [");
        Assert.False(_sidecar.Sidecar.Reload().Succeeded);

        using var client = _sidecar.ProxyClient();
        Assert.Equal(503, (int)(await _sidecar.SendAsync(client, "dead", "/")).StatusCode);

        const string DeadCluster = "outbound|80||dead.default.svc.cluster.local";
        PrometheusScrape scrape = null!;
        await WaitFor.ConditionAsync(() =>
        {
            scrape = _sidecar.ScrapeAsync().GetAwaiter().GetResult();
            return scrape.Value("envoy_http_downstream_rq_total") == 1;
        }, because: "the request counted");

        Assert.Equal(2, scrape.Value("envoy_cluster_upstream_rq_retry", ("envoy_cluster_name", DeadCluster)));
        Assert.Equal(1, scrape.Value("envoy_cluster_upstream_rq_xx", ("envoy_response_code_class", "5"), ("envoy_cluster_name", DeadCluster)));
        Assert.Equal(1, scrape.Value("engine_http_downstream_rq_response_flag", ("response_flag", "UF")));
        Assert.Equal(1, scrape.Value("engine_http_downstream_rq_response_flag", ("response_flag", "URX")));
        Assert.Equal(1, scrape.Value("engine_config_reload_success"));
        Assert.Equal(1, scrape.Value("engine_config_reload_failure"));
        Assert.Equal(2, scrape.Value("engine_config_version"));
    }
}
