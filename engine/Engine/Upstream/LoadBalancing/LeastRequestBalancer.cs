namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Power of two choices on in-flight requests (Envoy LEAST_REQUEST, Istio's default since 1.14;
/// LEAST_CONN maps here too). With unequal endpoint weights, or with slow start, Envoy's weighted
/// least request instead: an earliest-deadline-first schedule on <c>weight / (active requests + 1)</c>
/// (the weight scaled by the slow-start factor).
/// </summary>
/// <remarks>
/// Envoy draws its two candidates with replacement, so with two hosts it compares a host with
/// itself half the time. We draw two distinct indices (STYLE.md habit 6): the same algorithm
/// without the wasted draw, which makes "prefer the idle host" exact for small clusters. Ties
/// keep the first draw, as in Envoy.
/// </remarks>
internal sealed class LeastRequestBalancer : ILoadBalancer
{
    private readonly IRandomSource _random;
    private readonly WeightedView _weighted;

    public LeastRequestBalancer(IRandomSource random, SlowStart? slowStart = null)
    {
        _random = random;

        // Envoy's active_request_bias is 1.0: the weight divided by the requests in flight, plus one.
        _weighted = slowStart is null
            ? new WeightedView(static e => Math.Max(1, e.Weight) / (e.ActiveRequests + 1.0), random)
            : new WeightedView(e => Math.Max(1, e.Weight) * slowStart.Factor(e) / (e.ActiveRequests + 1.0), random, alwaysScheduled: true);
    }

    public int Pick(Endpoint[] endpoints)
    {
        var n = endpoints.Length;
        if (n <= 1)
        {
            return n - 1;
        }

        if (_weighted.For(endpoints) is { } schedule)
        {
            return schedule.Next();
        }

        var first = _random.Next(n);
        var second = _random.Next(n - 1);
        if (second >= first)
        {
            second++;
        }

        return endpoints[second].ActiveRequests < endpoints[first].ActiveRequests ? second : first;
    }
}
