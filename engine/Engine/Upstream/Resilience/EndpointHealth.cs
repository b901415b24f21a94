namespace Engine.Upstream.Resilience;

/// <summary>Passive health of one endpoint of one cluster: consecutive error counters and ejection state.</summary>
internal sealed class EndpointHealth
{
    public int Consecutive5xx;
    public int ConsecutiveGatewayErrors;
    public int ConsecutiveLocalOriginFailures;

    /// <summary>How many times it was ejected; the ejection time grows with it and shrinks while healthy.</summary>
    public int EjectionCount;

    public bool Ejected;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> at which an ejected endpoint may return.</summary>
    public long EjectedUntil;
}
