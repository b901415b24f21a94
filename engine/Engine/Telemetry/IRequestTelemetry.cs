using Engine.Upstream;

namespace Engine.Telemetry;

/// <summary>
/// Where the data plane reports what operators watch: every request's start and end (access log,
/// metrics) and the retries it sends. Called on the connection's thread: implementations must
/// not block and should not allocate.
/// </summary>
/// <remarks>
/// Only <see cref="OnRequestCompleted"/> must be implemented; the other events default to
/// nothing, so that a sink that wants finished requests only (a test capture) stays one method.
/// Timeouts are read from the UT flag of the finished request; circuit-breaker overflows and
/// outlier ejections are counted by <c>ClusterCircuitBreaker</c> and <c>OutlierDetector</c>,
/// which the exporter reads (Telemetry/README.md).
/// </remarks>
internal interface IRequestTelemetry
{
    /// <summary>A request head was read (or rejected); <see cref="OnRequestCompleted"/> follows exactly once.</summary>
    void OnRequestStarted()
    {
    }

    void OnRequestCompleted(in CompletedRequest request);

    /// <summary>Another attempt is about to be sent to <paramref name="cluster"/> after a failed one.</summary>
    void OnUpstreamRetry(Cluster cluster)
    {
    }
}
