namespace Engine.Upstream.LoadBalancing;

/// <summary>A uniformly random endpoint (Envoy RANDOM).</summary>
internal sealed class RandomBalancer : ILoadBalancer
{
    private readonly IRandomSource _random;

    public RandomBalancer(IRandomSource random) => _random = random;

    public int Pick(ReadOnlySpan<Endpoint> endpoints)
        => endpoints.IsEmpty ? -1 : _random.Next(endpoints.Length);
}
