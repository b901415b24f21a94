namespace Engine.Upstream.LoadBalancing;

/// <summary>DestinationRule <c>loadBalancer.simple</c> values the balancer factory understands.</summary>
internal enum LoadBalancerKind
{
    LeastRequest,
    RoundRobin,
    Random,
    Passthrough,
}
