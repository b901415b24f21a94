using Engine.Upstream;

namespace Engine.Telemetry;

/// <summary>
/// Where the data plane reports what operators watch: every request's start and end (access log,
/// metrics) and the upstream events that resilience features cause. Called on the connection's
/// thread: implementations must not block and should not allocate.
/// </summary>
internal interface IRequestTelemetry
{
    /// <summary>A request head was read (or rejected); <see cref="OnRequestCompleted"/> follows exactly once.</summary>
    void OnRequestStarted();

    void OnRequestCompleted(in CompletedRequest request);

    /// <summary>Another attempt is about to be sent to <paramref name="cluster"/> after a failed one.</summary>
    void OnUpstreamRetry(Cluster cluster);

    /// <summary>A request to <paramref name="cluster"/> hit its route timeout (504 UT).</summary>
    void OnUpstreamTimeout(Cluster cluster);

    /// <summary>A circuit breaker of <paramref name="cluster"/> refused a request (503 UO).</summary>
    void OnUpstreamOverflow(Cluster cluster);

    /// <summary>Outlier detection ejected <paramref name="endpoint"/> from <paramref name="cluster"/>.</summary>
    void OnOutlierEjection(Cluster cluster, Endpoint endpoint);
}
