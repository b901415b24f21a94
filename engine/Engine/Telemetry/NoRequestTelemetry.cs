namespace Engine.Telemetry;

/// <summary>Reports nothing (benchmarks, tests that do not care).</summary>
internal sealed class NoRequestTelemetry : IRequestTelemetry
{
    public static readonly NoRequestTelemetry Instance = new();

    public void OnRequestCompleted(in CompletedRequest request)
    {
    }
}
