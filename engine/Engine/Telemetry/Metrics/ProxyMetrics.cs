using System.Diagnostics;
using System.Numerics;
using Engine.Proxy;
using Engine.Upstream;

namespace Engine.Telemetry.Metrics;

/// <summary>
/// Every counter and histogram the proxy keeps (names and meaning: Telemetry/README.md). Updated
/// on the request path without locks or allocations; read by the Prometheus exporter.
/// </summary>
internal sealed class ProxyMetrics
{
    /// <summary>When the metrics began (process start, near enough): <c>envoy_server_uptime</c>.</summary>
    public long StartedTimestamp { get; } = Stopwatch.GetTimestamp();

    public DownstreamStats Downstream { get; } = new();

    public ScopedStats<ClusterStats> Clusters { get; } = new(static name => new ClusterStats(name));

    public ScopedStats<RouteStats> Routes { get; } = new(static name => new RouteStats(name));

    public void RequestStarted() => Downstream.Counters.Increment(DownstreamStats.ActiveRequests);

    public void RequestCompleted(in CompletedRequest request)
    {
        var counters = Downstream.Counters;
        var stripe = StripedCounters.CurrentStripe(); // once for the ~ten updates below
        var statusClass = StatusClass.Of(request.Status);
        counters.Decrement(stripe, DownstreamStats.ActiveRequests);
        if (statusClass > 0)
        {
            counters.Increment(stripe, DownstreamStats.ClassBase + statusClass - 1);
        }

        for (var flags = (uint)request.Flags; flags != 0; flags &= flags - 1)
        {
            var bit = BitOperations.TrailingZeroCount(flags);
            if (bit < DownstreamStats.FlagBits)
            {
                counters.Increment(stripe, DownstreamStats.FlagBase + bit);
            }
        }

        Downstream.Time.Record(request.Duration, stripe);

        // The cluster is charged with what it answered or failed to answer: not with requests
        // that never had a host to go to (UH), as in Envoy.
        if (request.Cluster is { } cluster && (request.Flags & ResponseFlags.NoHealthyUpstream) == 0)
        {
            var stats = Clusters.For(cluster, cluster.Name);
            stats.Counters.Add(stripe, ClusterStats.RequestsTotal, request.Attempts);
            if (statusClass > 0)
            {
                stats.Counters.Increment(stripe, ClusterStats.ClassBase + statusClass - 1);
            }

            if (request.UpstreamServiceTimeMs >= 0)
            {
                stats.Time.RecordMilliseconds(request.UpstreamServiceTimeMs, stripe);
            }

            if ((request.Flags & ResponseFlags.UpstreamRequestTimeout) != 0)
            {
                stats.Counters.Increment(stripe, ClusterStats.Timeouts);
            }
        }

        if (request.RouteName is { } routeName)
        {
            var stats = Routes.For(routeName, routeName);
            stats.Counters.Increment(stripe, RouteStats.RequestsTotal);
            if (statusClass > 0)
            {
                stats.Counters.Increment(stripe, RouteStats.ClassBase + statusClass - 1);
            }
        }

        // Last, so that a scrape that sees a request in the total sees all of its other updates
        // (each Interlocked operation is a full fence): tests and dashboards can key on it.
        counters.Increment(stripe, DownstreamStats.RequestsTotal);
    }

    /// <summary>A retry was sent to the cluster (Envoy's <c>upstream_rq_retry</c>).</summary>
    public void UpstreamRetry(Cluster cluster) => Count(cluster, ClusterStats.Retries);

    private void Count(Cluster cluster, int counter) => Clusters.For(cluster, cluster.Name).Counters.Increment(counter);
}
