namespace Engine.Upstream.LoadBalancing;

/// <summary>Each endpoint in turn (Envoy ROUND_ROBIN with equal weights).</summary>
internal sealed class RoundRobinBalancer : ILoadBalancer
{
    private uint _next;

    public RoundRobinBalancer(IRandomSource random)
    {
        // Envoy starts each cluster at a random offset so that many proxies don't all hit host 0 first.
        _next = (uint)random.Next(int.MaxValue);
    }

    public int Pick(ReadOnlySpan<Endpoint> endpoints)
    {
        if (endpoints.IsEmpty)
        {
            return -1;
        }

        var n = Interlocked.Increment(ref _next) - 1;
        return (int)(n % (uint)endpoints.Length);
    }
}
