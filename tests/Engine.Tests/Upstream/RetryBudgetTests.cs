using Engine.Upstream.Resilience;

namespace Engine.Tests.Upstream;

/// <summary>
/// DestinationRule <c>retryBudget</c> as Envoy's <c>retry_budget</c>: the retries a cluster may have
/// outstanding are a share of its active and pending requests (the share truncated), never fewer
/// than the minimum, and the budget replaces <c>maxRetries</c>.
/// </summary>
public sealed class RetryBudgetTests
{
    private static readonly CircuitBreakerThresholds Unlimited = CircuitBreakerThresholds.Default;

    [Theory]
    [InlineData(20, 3, 10, 0, 3)]    // 20% of 10 is 2: the minimum of 3 rules
    [InlineData(20, 3, 40, 10, 10)]  // 20% of 50 active and pending
    [InlineData(25, 0, 7, 0, 1)]     // 1.75 truncated
    [InlineData(0, 1, 1000, 0, 1)]
    [InlineData(100, 0, 0, 0, 0)]    // no request in flight, no minimum: no retry
    public void TheLimit_IsTheShareOfActiveAndPendingRequests_AtLeastTheMinimum(double percent, long minimum, long active, long pending, long limit)
    {
        var thresholds = Unlimited with { RetryBudgetPercent = percent, MinRetryConcurrency = minimum };

        Assert.Equal(limit, thresholds.RetryLimit(active, pending));
    }

    [Fact]
    public void WithoutABudget_MaxRetriesRules()
        => Assert.Equal(4, (Unlimited with { MaxRetries = 4 }).RetryLimit(1000, 1000));

    [Fact]
    public void TheBreaker_AdmitsRetriesUpToTheBudgetOfTheRequestsInFlight_NotMaxRetries()
    {
        var breaker = new ClusterCircuitBreaker(new CircuitBreakerThresholds(CircuitBreakerThresholds.Unlimited, CircuitBreakerThresholds.Unlimited, CircuitBreakerThresholds.Unlimited, MaxRetries: 100)
        {
            RetryBudgetPercent = 20,
            MinRetryConcurrency = 1,
        });
        for (var i = 0; i < 10; i++)
        {
            Assert.True(breaker.TryStartRequest());
        }

        Assert.True(breaker.TryStartRetry());
        Assert.True(breaker.TryStartRetry());
        Assert.False(breaker.TryStartRetry()); // 20% of 10
        Assert.Equal(1, breaker.Overflows);

        breaker.EndRetry();
        Assert.True(breaker.TryStartRetry());
    }
}
