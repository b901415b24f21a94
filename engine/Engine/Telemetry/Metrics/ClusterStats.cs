namespace Engine.Telemetry.Metrics;

/// <summary>
/// Envoy's per-cluster upstream counters (<c>cluster.NAME.upstream_rq_*</c>). Kept by cluster
/// name, so they survive configuration reloads that rebuild the cluster object.
/// </summary>
internal sealed class ClusterStats
{
    /// <summary>Requests sent to the cluster, each retry included.</summary>
    public const int RequestsTotal = 0;

    /// <summary>Class c (1–5) of the final response is at <c>ClassBase + c - 1</c>.</summary>
    public const int ClassBase = 1;
    public const int Retries = ClassBase + StatusClass.Count;

    /// <summary>Requests that ended with the UT flag (route timeout, or a per-try timeout on the last try).</summary>
    public const int Timeouts = Retries + 1;
    private const int CounterCount = Timeouts + 1;

    public ClusterStats(string name) => Name = name;

    public string Name { get; }

    public StripedCounters Counters { get; } = new(CounterCount);

    /// <summary>Upstream service time: from the first request byte upstream to the response head (Envoy's <c>upstream_rq_time</c>).</summary>
    public LatencyHistogram Time { get; } = new();
}
