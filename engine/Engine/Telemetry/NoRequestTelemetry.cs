using Engine.Upstream;

namespace Engine.Telemetry;

/// <summary>Reports nothing (benchmarks, tests that do not care).</summary>
internal sealed class NoRequestTelemetry : IRequestTelemetry
{
    public static readonly NoRequestTelemetry Instance = new();

    public void OnRequestStarted()
    {
    }

    public void OnRequestCompleted(in CompletedRequest request)
    {
    }

    public void OnUpstreamRetry(Cluster cluster)
    {
    }

    public void OnUpstreamTimeout(Cluster cluster)
    {
    }

    public void OnUpstreamOverflow(Cluster cluster)
    {
    }

    public void OnOutlierEjection(Cluster cluster, Endpoint endpoint)
    {
    }
}
