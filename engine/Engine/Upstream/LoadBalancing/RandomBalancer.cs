namespace Engine.Upstream.LoadBalancing;

/// <summary>A uniformly random endpoint (Envoy RANDOM, which ignores endpoint weights).</summary>
internal sealed class RandomBalancer : ILoadBalancer
{
    private readonly IRandomSource _random;

    public RandomBalancer(IRandomSource random) => _random = random;

    public int Pick(Endpoint[] endpoints)
        => endpoints.Length == 0 ? -1 : _random.Next(endpoints.Length);
}
