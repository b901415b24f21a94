namespace Engine.Upstream.Resilience;

/// <summary>
/// DestinationRule <c>connectionPool</c> limits as Envoy circuit-breaker thresholds, per cluster.
/// Istio always sets every limit, to 2^32−1 when not configured (istio-semantics.md §4.4), and
/// 0 in the YAML means "not set". A <c>retryBudget</c> replaces <see cref="MaxRetries"/> with a
/// limit that follows the load (Envoy's <c>retry_budget</c>): <see cref="RetryBudgetPercent"/> of
/// the cluster's active and pending requests, never fewer than <see cref="MinRetryConcurrency"/>.
/// </summary>
internal sealed record CircuitBreakerThresholds(long MaxConnections, long MaxPendingRequests, long MaxRequests, long MaxRetries)
{
    public const long Unlimited = uint.MaxValue;

    /// <summary>Envoy's retry budget defaults (Istio's too): 20% of the requests, at least 3.</summary>
    public const double DefaultBudgetPercent = 20;

    public const long DefaultMinRetryConcurrency = 3;

    /// <summary>The retry budget's share of active and pending requests, in percent; null: no budget (<see cref="MaxRetries"/> rules).</summary>
    public double? RetryBudgetPercent { get; init; }

    public long MinRetryConcurrency { get; init; } = DefaultMinRetryConcurrency;

    /// <summary>How many retries may be outstanding now, given the cluster's active and pending requests.</summary>
    public long RetryLimit(long active, long pending)
        => RetryBudgetPercent is { } percent
            ? Math.Max((long)(percent / 100.0 * (active + pending)), MinRetryConcurrency) // Envoy truncates the share
            : MaxRetries;

    public static readonly CircuitBreakerThresholds Default = new(Unlimited, Unlimited, Unlimited, Unlimited);
}
