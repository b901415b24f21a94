using Engine.Config.Model;
using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream.Locality;

/// <summary>
/// How Istio arranges a cluster's endpoints by locality for a sidecar at <c>--locality</c>
/// (its <c>applyLocalityLBSetting</c>, mesh default <c>enabled: true</c>). Either:
/// <list type="bullet">
/// <item><c>distribute</c> (a rule whose <c>from</c> matches the sidecar): localities get the
/// rule's weights, endpoints elsewhere none (Envoy's locality-weighted balancing);</item>
/// <item>else failover priorities, only with outlier detection (without it Envoy would never
/// see a priority go unhealthy): same region, zone and subzone first, then same zone, then same
/// region, then a <c>failover</c> rule's <c>to</c> region, then the rest — or, with
/// <c>failoverPriority</c>, by how many of the listed labels an endpoint shares with the
/// sidecar, in order.</item>
/// </list>
/// Null when neither applies: the cluster balances over all its endpoints.
/// </summary>
internal static class LocalityGroups
{
    public static LocalityBalancer? Build(
        Endpoint[] endpoints,
        string[] localities,
        LocalityName proxy,
        IReadOnlyDictionary<string, string> proxyLabels,
        LocalityLoadBalancerSetting? setting,
        bool outlierDetection,
        Func<Endpoint[], ILoadBalancer> balancer,
        IRandomSource random)
    {
        if (proxy.IsEmpty || endpoints.Length == 0 || setting?.Enabled == false)
        {
            return null;
        }

        var named = localities.Select(LocalityName.Parse).ToArray();
        if (setting?.Distribute.FirstOrDefault(d => proxy.Matches(d.From)) is { } distribute)
        {
            var groups = new List<LocalityBalancer.Group>();
            var taken = new bool[endpoints.Length];
            foreach (var (to, weight) in distribute.To)
            {
                var members = Enumerable.Range(0, endpoints.Length).Where(i => !taken[i] && named[i].Matches(to)).ToArray();
                foreach (var i in members)
                {
                    taken[i] = true;
                }

                if (members.Length > 0 && weight > 0)
                {
                    var group = members.Select(i => endpoints[i]).ToArray();
                    groups.Add(new LocalityBalancer.Group(group, balancer(group), (int)weight));
                }
            }

            return groups.Count == 0 ? null : new LocalityBalancer(groups.ToArray(), byPriority: false, random);
        }

        if (!outlierDetection)
        {
            return null;
        }

        var priorities = setting is { FailoverPriority.Length: > 0 }
            ? endpoints.Select((e, i) => LabelPriority(setting.FailoverPriority, e, named[i], proxy, proxyLabels)).ToArray()
            : named.Select(n => LocalityPriority(n, proxy, setting)).ToArray();
        var levels = priorities.Distinct().Order()
            .Select(p => Enumerable.Range(0, endpoints.Length).Where(i => priorities[i] == p).Select(i => endpoints[i]).ToArray())
            .Select(group => new LocalityBalancer.Group(group, balancer(group), Weight: 1))
            .ToArray();
        return levels.Length <= 1 ? null : new LocalityBalancer(levels, byPriority: true, random);
    }

    private static int LocalityPriority(LocalityName endpoint, LocalityName proxy, LocalityLoadBalancerSetting? setting)
    {
        if (endpoint.Region == proxy.Region)
        {
            return endpoint.Zone != proxy.Zone ? 2 : endpoint.Subzone != proxy.Subzone ? 1 : 0;
        }

        var failover = setting?.Failover.FirstOrDefault(f => f.From == proxy.Region);
        return failover is not null && endpoint.Region == failover.To ? 3 : 4;
    }

    /// <summary>
    /// <c>failoverPriority</c>: priority n when the first (length − n) labels match the sidecar's.
    /// The topology labels of region, zone and subzone are read from the localities.
    /// </summary>
    private static int LabelPriority(IReadOnlyList<string> labels, Endpoint endpoint, LocalityName locality, LocalityName proxy, IReadOnlyDictionary<string, string> proxyLabels)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            var key = labels[i];
            var (mine, theirs) = key switch
            {
                "topology.kubernetes.io/region" => (proxy.Region, locality.Region),
                "topology.kubernetes.io/zone" => (proxy.Zone, locality.Zone),
                "topology.istio.io/subzone" => (proxy.Subzone, locality.Subzone),
                _ => (proxyLabels.GetValueOrDefault(key), endpoint.Labels.GetValueOrDefault(key)),
            };
            if (mine is null || mine != theirs)
            {
                return labels.Count - i;
            }
        }

        return 0;
    }
}
