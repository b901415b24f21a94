namespace Engine.Telemetry;

/// <summary>
/// Where the data plane reports each finished request (access log, metrics). Called on the
/// connection's thread at the end of every request: implementations must not block and should
/// not allocate.
/// </summary>
internal interface IRequestTelemetry
{
    void OnRequestCompleted(in CompletedRequest request);
}

/// <summary>Reports nothing (benchmarks, tests that do not care).</summary>
internal sealed class NoRequestTelemetry : IRequestTelemetry
{
    public static readonly NoRequestTelemetry Instance = new();

    public void OnRequestCompleted(in CompletedRequest request)
    {
    }
}
