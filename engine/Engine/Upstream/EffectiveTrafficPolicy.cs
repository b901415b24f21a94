using Engine.Config.Model;

namespace Engine.Upstream;

/// <summary>The policies that apply to one cluster after Istio's precedence rules.</summary>
internal sealed record EffectiveTrafficPolicy(
    LoadBalancerSettings? LoadBalancer,
    ConnectionPoolSettings? ConnectionPool,
    OutlierDetection? OutlierDetection,
    ClientTlsSettings? Tls,
    RetryBudget? RetryBudget = null,
    ProxyProtocol? ProxyProtocol = null,
    TunnelSettings? Tunnel = null)
{
    public static readonly EffectiveTrafficPolicy None = new(null, null, null, null);

    /// <summary>
    /// Istio's precedence (istio-semantics.md §4.2): the top-level policy; a matching
    /// <c>portLevelSettings</c> entry replaces it entirely (the top level's <c>retryBudget</c>,
    /// <c>proxyProtocol</c> and <c>tunnel</c> included: a port entry has none of them); then the
    /// subset's policy (itself resolved against its own port-level entries) overrides each block it
    /// sets — or the four port-level blocks wholesale when it came from a port-level entry. A
    /// subset's <c>retryBudget</c>, <c>proxyProtocol</c> and <c>tunnel</c> override only if set.
    /// </summary>
    public static EffectiveTrafficPolicy Resolve(TrafficPolicy? topLevel, Subset? subset, int port)
    {
        var (result, _) = ForPort(topLevel, port);
        if (subset?.TrafficPolicy is not { } subsetPolicy)
        {
            return result;
        }

        var (fromSubset, portLevel) = ForPort(subsetPolicy, port);
        var budget = fromSubset.RetryBudget ?? result.RetryBudget;
        var proxyProtocol = fromSubset.ProxyProtocol ?? result.ProxyProtocol;
        var tunnel = fromSubset.Tunnel ?? result.Tunnel;
        if (portLevel)
        {
            return fromSubset with { RetryBudget = budget, ProxyProtocol = proxyProtocol, Tunnel = tunnel };
        }

        return new EffectiveTrafficPolicy(
            fromSubset.LoadBalancer ?? result.LoadBalancer,
            fromSubset.ConnectionPool ?? result.ConnectionPool,
            fromSubset.OutlierDetection ?? result.OutlierDetection,
            fromSubset.Tls ?? result.Tls,
            budget,
            proxyProtocol,
            tunnel);
    }

    private static (EffectiveTrafficPolicy Policy, bool PortLevel) ForPort(TrafficPolicy? policy, int port)
    {
        if (policy is null)
        {
            return (None, false);
        }

        foreach (var entry in policy.PortLevelSettings)
        {
            if (entry.Port is { } selector && selector.Number == port)
            {
                return (new EffectiveTrafficPolicy(entry.LoadBalancer, entry.ConnectionPool, entry.OutlierDetection, entry.Tls), true);
            }
        }

        return (new EffectiveTrafficPolicy(policy.LoadBalancer, policy.ConnectionPool, policy.OutlierDetection, policy.Tls, policy.RetryBudget, policy.ProxyProtocol, policy.Tunnel), false);
    }
}
