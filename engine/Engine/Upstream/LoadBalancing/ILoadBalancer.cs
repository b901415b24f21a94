namespace Engine.Upstream.LoadBalancing;

/// <summary>Picks one endpoint of a cluster for a request. Implementations are small and stateless but for counters.</summary>
internal interface ILoadBalancer
{
    /// <summary>Returns an index into <paramref name="endpoints"/>, or -1 when it is empty.</summary>
    int Pick(Endpoint[] endpoints);
}
