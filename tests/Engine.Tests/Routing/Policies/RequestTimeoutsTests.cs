using Engine.Routing.Policies;

namespace Engine.Tests.Routing.Policies;

/// <summary>
/// The request's timeouts as Envoy's FilterUtility::finalTimeout settles them under Istio's route
/// config (max_grpc_timeout = the route timeout, 0 when none), and x-envoy-expected-rq-timeout-ms.
/// </summary>
public sealed class RequestTimeoutsTests
{
    private const long None = -1;

    [Theory]
    // route, grpc?, grpc-timeout, header timeout → global
    [InlineData(0, false, None, None, 0)]          // Istio's default: no timeout
    [InlineData(2000, false, None, None, 2000)]
    [InlineData(2000, false, 500, None, 2000)]     // grpc-timeout means nothing to a non-gRPC request
    [InlineData(0, true, 500, None, 500)]          // no route timeout: the caller's deadline
    [InlineData(2000, true, 500, None, 500)]       // shorter than the route's: the deadline
    [InlineData(2000, true, 9000, None, 2000)]     // longer: capped by the route timeout
    [InlineData(2000, true, None, None, 2000)]     // no deadline: the cap
    [InlineData(2000, true, 0, None, 2000)]        // "0m" is no deadline: the cap
    [InlineData(0, true, None, None, 0)]
    [InlineData(2000, false, None, 300, 300)]      // x-envoy-upstream-rq-timeout-ms wins...
    [InlineData(200, false, None, 3000, 3000)]     // ...longer too
    [InlineData(2000, true, 500, 800, 800)]        // ...over grpc-timeout as well
    [InlineData(2000, false, None, 0, 0)]          // ...and 0 turns the timeout off
    public void Global(long routeMs, bool grpc, long grpcMs, long headerMs, long expected)
        => Assert.Equal(expected, RequestTimeouts.Compute(routeMs, 0, grpc, grpcMs, headerMs, None).GlobalMs);

    [Theory]
    // route per-try, global, header per-try → per-try
    [InlineData(200, 0, None, 200)]
    [InlineData(200, 1000, None, 200)]
    [InlineData(0, 1000, 300, 300)]      // the header gives one
    [InlineData(200, 1000, 400, 400)]    // the header replaces the route's
    [InlineData(200, 1000, 0, 0)]        // header 0: none
    [InlineData(2000, 1000, None, 0)]    // not shorter than the global timeout: dropped
    [InlineData(0, 1000, 1000, 0)]
    public void PerTry(long routePerTryMs, long routeMs, long headerPerTryMs, long expected)
        => Assert.Equal(expected, RequestTimeouts.Compute(routeMs, routePerTryMs, false, None, None, headerPerTryMs).PerTryMs);

    [Theory]
    // global, per-try, elapsed → expected
    [InlineData(0, 0, 0, 0)]           // nothing to tell
    [InlineData(2000, 0, 0, 2000)]
    [InlineData(2000, 0, 500, 1500)]   // a retry is told what is left
    [InlineData(2000, 300, 0, 300)]    // the per-try timeout when there is one
    [InlineData(2000, 300, 1800, 200)] // ...but not past the global one
    [InlineData(2000, 300, 2500, 1)]   // spent: 1, since 0 would read as "no timeout"
    [InlineData(0, 300, 5000, 300)]    // per try only
    public void ExpectedMs(long globalMs, long perTryMs, long elapsedMs, long expected)
        => Assert.Equal(expected, new RequestTimeouts(globalMs, perTryMs).ExpectedMs(elapsedMs));

    [Fact]
    public void Milliseconds_RoundsUp_AndZeroIsNone()
    {
        Assert.Equal(0, RequestTimeouts.Milliseconds(null));
        Assert.Equal(0, RequestTimeouts.Milliseconds(TimeSpan.Zero));
        Assert.Equal(1, RequestTimeouts.Milliseconds(TimeSpan.FromTicks(1)));
        Assert.Equal(300, RequestTimeouts.Milliseconds(TimeSpan.FromSeconds(0.3)));
        Assert.Null(new RequestTimeouts(0, 0).Global);
        Assert.Equal(TimeSpan.FromMilliseconds(300), new RequestTimeouts(300, 0).Global);
    }
}
