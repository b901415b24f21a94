using Engine.Proxy;

namespace Engine.Telemetry.Metrics;

/// <summary>
/// What the HTTP connection manager counts for every downstream request, whatever its route:
/// Envoy's <c>http.*.downstream_rq_*</c> and <c>no_route</c>, plus one counter per response flag.
/// </summary>
internal sealed class DownstreamStats
{
    public const int RequestsTotal = 0;
    public const int ActiveRequests = 1;

    /// <summary>Class c (1–5) is at <c>ClassBase + c - 1</c>.</summary>
    public const int ClassBase = 2;

    /// <summary>Flag bit b is at <c>FlagBase + b</c>.</summary>
    public const int FlagBase = ClassBase + StatusClass.Count;

    public static readonly int FlagBits = ResponseFlagNames.All.Length;

    public StripedCounters Counters { get; } = new(FlagBase + FlagBits);

    /// <summary>From the request head's arrival to the last response byte (Envoy's <c>downstream_rq_time</c>).</summary>
    public LatencyHistogram Time { get; } = new();
}
