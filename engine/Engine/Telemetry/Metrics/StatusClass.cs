namespace Engine.Telemetry.Metrics;

/// <summary>Envoy's response code classes (<c>1xx</c>…<c>5xx</c>) as counter offsets.</summary>
internal static class StatusClass
{
    /// <summary>Classes 1 to 5.</summary>
    public const int Count = 5;

    /// <summary>1 to 5 for a status 100–599; 0 when there was no response (status 0) or it is out of range.</summary>
    public static int Of(int status) => status is >= 100 and < 600 ? status / 100 : 0;
}
