namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Power of two choices on in-flight requests (Envoy LEAST_REQUEST, Istio's default since 1.14;
/// LEAST_CONN maps here too).
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

    public LeastRequestBalancer(IRandomSource random) => _random = random;

    public int Pick(ReadOnlySpan<Endpoint> endpoints)
    {
        var n = endpoints.Length;
        if (n <= 1)
        {
            return n - 1;
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
