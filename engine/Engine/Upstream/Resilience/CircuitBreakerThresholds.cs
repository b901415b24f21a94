namespace Engine.Upstream.Resilience;

/// <summary>
/// DestinationRule <c>connectionPool</c> limits as Envoy circuit-breaker thresholds, per cluster.
/// Istio always sets every limit, to 2^32−1 when not configured (istio-semantics.md §4.4), and
/// 0 in the YAML means "not set".
/// </summary>
internal sealed record CircuitBreakerThresholds(long MaxConnections, long MaxPendingRequests, long MaxRequests, long MaxRetries)
{
    public const long Unlimited = uint.MaxValue;

    public static readonly CircuitBreakerThresholds Default = new(Unlimited, Unlimited, Unlimited, Unlimited);
}
