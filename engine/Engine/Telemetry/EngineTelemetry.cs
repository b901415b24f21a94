using Engine.Telemetry.Metrics;
using Engine.Upstream;

namespace Engine.Telemetry;

/// <summary>
/// What <c>engine run</c> reports to: the metrics (always on: a few striped increments per
/// request) and, unless turned off, the access log.
/// </summary>
internal sealed class EngineTelemetry : IRequestTelemetry, IDisposable
{
    public EngineTelemetry(ProxyMetrics? metrics = null, AccessLogs.AccessLog? accessLog = null)
    {
        Metrics = metrics ?? new ProxyMetrics();
        AccessLog = accessLog;
    }

    public ProxyMetrics Metrics { get; }

    public AccessLogs.AccessLog? AccessLog { get; }

    public void OnRequestStarted() => Metrics.RequestStarted();

    public void OnRequestCompleted(in CompletedRequest request)
    {
        // The line is queued before the request is counted: a request in the metrics is in the log.
        AccessLog?.Log(request);
        Metrics.RequestCompleted(request);
    }

    public void OnUpstreamRetry(Cluster cluster) => Metrics.UpstreamRetry(cluster);

    /// <summary>Writes out the access log's buffered lines.</summary>
    public void Dispose() => AccessLog?.Dispose();
}
