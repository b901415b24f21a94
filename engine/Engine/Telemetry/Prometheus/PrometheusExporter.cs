using System.Diagnostics;
using Engine.Hosting;
using Engine.Proxy;
using Engine.Telemetry.Metrics;
using Engine.Upstream;

namespace Engine.Telemetry.Prometheus;

/// <summary>
/// Renders <c>/stats/prometheus</c>: the counters and histograms of <see cref="ProxyMetrics"/>
/// plus gauges read live off the proxy (connections, in-flight requests per cluster, config
/// version). Names follow the scheme in Telemetry/README.md: <c>envoy_*</c> where Envoy has the
/// same statistic (same name, labels and meaning as Envoy's Prometheus output), <c>engine_*</c>
/// for what is ours.
/// </summary>
internal static class PrometheusExporter
{
    private const string Counter = "counter";
    private const string Gauge = "gauge";
    private const string Histogram = "histogram";

    public static string Render(Sidecar sidecar, EngineTelemetry telemetry)
    {
        var w = new PrometheusTextWriter();
        var server = sidecar.Server;
        var metrics = telemetry.Metrics;
        WriteServer(w, server, metrics);
        WriteDownstream(w, server, metrics.Downstream);
        WriteClusters(w, server.Config, metrics);
        WriteRoutes(w, metrics);
        WriteConfig(w, sidecar);
        WriteAccessLog(w, telemetry.AccessLog);
        WriteRuntime(w);
        return w.ToString();
    }

    private static void WriteServer(PrometheusTextWriter w, ProxyServer server, ProxyMetrics metrics)
    {
        var state = ServerStates.Of(server);
        w.Family("envoy_server_state", Gauge, "Server state: 0 live, 1 draining, 2 pre-initializing");
        w.Sample("envoy_server_state", (long)state);
        w.Family("envoy_server_live", Gauge, "1 when the server is live (ready for traffic), else 0");
        w.Sample("envoy_server_live", state == ServerState.Live ? 1L : 0L);
        w.Family("envoy_server_uptime", Gauge, "Seconds since the server started");
        w.Sample("envoy_server_uptime", (long)Stopwatch.GetElapsedTime(metrics.StartedTimestamp).TotalSeconds);
        w.Family("envoy_server_total_connections", Gauge, "Downstream connections open now");
        w.Sample("envoy_server_total_connections", (long)server.ActiveConnections);
        w.Family("envoy_server_memory_allocated", Gauge, "Bytes of managed heap in use after the last collection");
        w.Sample("envoy_server_memory_allocated", GC.GetTotalMemory(forceFullCollection: false));
        w.Family("envoy_server_memory_physical_size", Gauge, "Resident set size of the process in bytes");
        w.Sample("envoy_server_memory_physical_size", Environment.WorkingSet);
    }

    private static void WriteDownstream(PrometheusTextWriter w, ProxyServer server, DownstreamStats stats)
    {
        var c = stats.Counters;
        w.Family("envoy_http_downstream_cx_total", Counter, "Downstream connections accepted");
        w.Sample("envoy_http_downstream_cx_total", server.ConnectionsAccepted);
        w.Family("envoy_http_downstream_cx_active", Gauge, "Downstream connections open now");
        w.Sample("envoy_http_downstream_cx_active", (long)server.ActiveConnections);
        w.Family("envoy_http_downstream_rq_total", Counter, "Downstream requests finished (local replies and rejected requests included)");
        w.Sample("envoy_http_downstream_rq_total", c.Read(DownstreamStats.RequestsTotal));
        w.Family("envoy_http_downstream_rq_active", Gauge, "Downstream requests in flight");
        w.Sample("envoy_http_downstream_rq_active", Math.Max(0, c.Read(DownstreamStats.ActiveRequests)));
        w.Family("envoy_http_downstream_rq_xx", Counter, "Downstream responses by status class");
        for (var cls = 1; cls <= StatusClass.Count; cls++)
        {
            w.Sample("envoy_http_downstream_rq_xx", c.Read(DownstreamStats.ClassBase + cls - 1), ("envoy_response_code_class", Digit(cls)));
        }

        w.Family("envoy_http_no_route", Counter, "Requests that matched no route (404 NR)");
        w.Sample("envoy_http_no_route", c.Read(DownstreamStats.FlagBase + FlagBit(ResponseFlags.NoRoute)));
        w.Family("envoy_http_no_cluster", Counter, "Requests whose route named a cluster that does not exist (503 NC)");
        w.Sample("envoy_http_no_cluster", c.Read(DownstreamStats.FlagBase + FlagBit(ResponseFlags.NoClusterFound)));
        w.Family("envoy_http_downstream_rq_time", Histogram, "Downstream request time in ms, from the request head to the last response byte");
        w.Histogram("envoy_http_downstream_rq_time", stats.Time.Snapshot());

        w.Family("engine_http_downstream_rq_response_flag", Counter, "Downstream requests by Envoy response flag (a request can carry several)");
        foreach (var (flag, code) in ResponseFlagNames.All)
        {
            w.Sample("engine_http_downstream_rq_response_flag", c.Read(DownstreamStats.FlagBase + FlagBit(flag)), ("response_flag", code));
        }
    }

    private static void WriteClusters(PrometheusTextWriter w, RuntimeConfig config, ProxyMetrics metrics)
    {
        // Every configured cluster is listed, traffic or not; clusters a reload removed keep their counters.
        foreach (var name in config.Clusters.Keys)
        {
            metrics.Clusters.ForName(name);
        }

        var all = metrics.Clusters.Snapshot();
        var configured = all.Where(p => config.Clusters.ContainsKey(p.Key)).Select(p => config.Clusters[p.Key]).ToArray();

        CounterFamily(w, all, "envoy_cluster_upstream_rq_total", "Requests sent upstream, each retry included", ClusterStats.RequestsTotal);
        w.Family("envoy_cluster_upstream_rq_xx", Counter, "Upstream responses by status class (local 503s for connection failures included, as Envoy charges them)");
        foreach (var (name, stats) in all)
        {
            for (var cls = 1; cls <= StatusClass.Count; cls++)
            {
                w.Sample("envoy_cluster_upstream_rq_xx", stats.Counters.Read(ClusterStats.ClassBase + cls - 1), ("envoy_response_code_class", Digit(cls)), ("envoy_cluster_name", name));
            }
        }

        CounterFamily(w, all, "envoy_cluster_upstream_rq_retry", "Retries sent", ClusterStats.Retries);
        CounterFamily(w, all, "envoy_cluster_upstream_rq_timeout", "Requests that timed out waiting for the upstream (504 UT)", ClusterStats.Timeouts);

        // Circuit breakers and outlier detectors count for themselves and survive reloads that
        // keep their settings (UpstreamPools); they are read here.
        w.Family("envoy_cluster_upstream_rq_pending_overflow", Counter, "Requests refused by a circuit breaker (max requests, pending requests or retries): 503 UO");
        foreach (var cluster in configured)
        {
            w.Sample("envoy_cluster_upstream_rq_pending_overflow", cluster.Breaker.Overflows, ("envoy_cluster_name", cluster.Name));
        }

        w.Family("envoy_cluster_upstream_cx_overflow", Counter, "Connections not opened within the cluster's maxConnections (a TCP proxy connection is closed, UO; an HTTP request waits as pending)");
        foreach (var cluster in configured)
        {
            w.Sample("envoy_cluster_upstream_cx_overflow", cluster.Breaker.ConnectionOverflows, ("envoy_cluster_name", cluster.Name));
        }

        w.Family("envoy_cluster_outlier_detection_ejections_enforced_total", Counter, "Hosts ejected by outlier detection");
        foreach (var cluster in configured)
        {
            w.Sample("envoy_cluster_outlier_detection_ejections_enforced_total", cluster.Outlier?.Ejections ?? 0, ("envoy_cluster_name", cluster.Name));
        }

        GaugeFamily(w, configured, "envoy_cluster_upstream_rq_pending_active", "Requests waiting for a connection (at maxConnections)", c => c.Breaker.PendingRequests);

        GaugeFamily(w, configured, "envoy_cluster_upstream_rq_active", "Upstream requests in flight", c => c.Endpoints.Sum(e => (long)e.ActiveRequests));
        GaugeFamily(w, configured, "envoy_cluster_upstream_cx_active", "Upstream connections open (busy or idle)", c => c.Endpoints.Sum(e => (long)e.Pool.OpenConnectionsAnyProtocol));
        w.Family("envoy_cluster_upstream_cx_total", Counter, "Upstream connections opened");
        foreach (var cluster in configured)
        {
            w.Sample("envoy_cluster_upstream_cx_total", cluster.Endpoints.Sum(e => e.Pool.ConnectionsOpenedAnyProtocol), ("envoy_cluster_name", cluster.Name));
        }

        GaugeFamily(w, configured, "envoy_cluster_membership_total", "Endpoints in the cluster", c => c.Endpoints.Length);
        GaugeFamily(w, configured, "envoy_cluster_membership_healthy", "Endpoints eligible for traffic (not ejected by outlier detection)", c => c.Healthy.Length);

        w.Family("envoy_cluster_upstream_rq_time", Histogram, "Upstream service time in ms, from sending the request to the response head");
        foreach (var (name, stats) in all)
        {
            w.Histogram("envoy_cluster_upstream_rq_time", stats.Time.Snapshot(), ("envoy_cluster_name", name));
        }
    }

    private static void WriteRoutes(PrometheusTextWriter w, ProxyMetrics metrics)
    {
        var routes = metrics.Routes.Snapshot();
        w.Family("engine_route_rq_total", Counter, "Requests matched by each route (VirtualService http rule)");
        foreach (var (name, stats) in routes)
        {
            w.Sample("engine_route_rq_total", stats.Counters.Read(RouteStats.RequestsTotal), ("route_name", name));
        }

        w.Family("engine_route_rq_xx", Counter, "Responses to requests matched by each route, by status class");
        foreach (var (name, stats) in routes)
        {
            for (var cls = 1; cls <= StatusClass.Count; cls++)
            {
                w.Sample("engine_route_rq_xx", stats.Counters.Read(RouteStats.ClassBase + cls - 1), ("response_code_class", Digit(cls)), ("route_name", name));
            }
        }
    }

    private static void WriteConfig(PrometheusTextWriter w, Sidecar sidecar)
    {
        var config = sidecar.Server.Config;
        w.Family("engine_config_reload_success", Counter, "Configuration reloads published after the first load (file change or SIGHUP)");
        w.Sample("engine_config_reload_success", (long)sidecar.Reloads);
        w.Family("engine_config_reload_failure", Counter, "Configuration reloads rejected: the running configuration was kept");
        w.Sample("engine_config_reload_failure", (long)sidecar.ReloadFailures);
        w.Family("engine_config_version", Gauge, "Version of the running configuration (1 for the first load)");
        w.Sample("engine_config_version", config.Version);
        w.Family("engine_config_loaded_timestamp_seconds", Gauge, "Unix time the running configuration was built");
        w.Sample("engine_config_loaded_timestamp_seconds", config.Version == 0 ? 0L : config.LoadedAt.ToUnixTimeSeconds());
    }

    private static void WriteAccessLog(PrometheusTextWriter w, AccessLogs.AccessLog? log)
    {
        if (log is null)
        {
            return;
        }

        w.Family("engine_access_log_lines", Counter, "Access-log lines written or queued");
        w.Sample("engine_access_log_lines", log.Writer.Lines);
        w.Family("engine_access_log_dropped", Counter, "Access-log lines dropped because the destination could not keep up");
        w.Sample("engine_access_log_dropped", log.Writer.Dropped);
        w.Family("engine_access_log_write_failures", Counter, "Access-log batches that failed to write");
        w.Sample("engine_access_log_write_failures", log.Writer.WriteFailures);
    }

    private static void WriteRuntime(PrometheusTextWriter w)
    {
        w.Family("engine_gc_collections", Counter, "Garbage collections by generation (0 in steady state: the request path does not allocate)");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            w.Sample("engine_gc_collections", (long)GC.CollectionCount(generation), ("generation", Digit(generation)));
        }

        w.Family("engine_gc_allocated_bytes", Counter, "Bytes allocated on the managed heap since start");
        w.Sample("engine_gc_allocated_bytes", GC.GetTotalAllocatedBytes());
    }

    private static void CounterFamily(PrometheusTextWriter w, KeyValuePair<string, ClusterStats>[] clusters, string name, string help, int counter)
    {
        w.Family(name, Counter, help);
        foreach (var (clusterName, stats) in clusters)
        {
            w.Sample(name, stats.Counters.Read(counter), ("envoy_cluster_name", clusterName));
        }
    }

    private static void GaugeFamily(PrometheusTextWriter w, Cluster[] clusters, string name, string help, Func<Cluster, long> value)
    {
        w.Family(name, Gauge, help);
        foreach (var cluster in clusters)
        {
            w.Sample(name, value(cluster), ("envoy_cluster_name", cluster.Name));
        }
    }

    private static int FlagBit(ResponseFlags flag) => System.Numerics.BitOperations.TrailingZeroCount((uint)flag);

    private static string Digit(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
