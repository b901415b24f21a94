using Engine.Config.Model;
using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream.Locality;

/// <summary>
/// How Istio arranges a cluster's endpoints by locality for a sidecar at <c>--locality</c>
/// (its <c>ApplyLocalityLoadBalancer</c>, mesh default <c>enabled: true</c>), as Envoy priority
/// levels of weighted localities. Either:
/// <list type="bullet">
/// <item><c>distribute</c> (the first rule whose <c>from</c> matches the sidecar): one level; each
/// <c>to</c> key's weight goes to the localities it matches that no earlier key took, divided in
/// proportion to their own weights (the sum of their endpoints' weights) and rounded up, as
/// Istio's <c>applyLocalityWeights</c> does; localities no key matches get nothing;</item>
/// <item>else failover priorities, only with outlier detection (without it Envoy would never
/// see a priority go unhealthy): same region, zone and subzone first, then same zone, then same
/// region, then a <c>failover</c> rule's <c>to</c> region, then the rest — or, with
/// <c>failoverPriority</c>, by how many of the listed labels an endpoint shares with the
/// sidecar, in order; with both, by the labels first and by locality within each label level
/// (Istio's <c>labelPriority × 5 + localityPriority</c>). Within a level each locality weighs the
/// sum of its endpoints' weights.</item>
/// </list>
/// Null when neither applies: the cluster balances over all its endpoints.
/// </summary>
internal static class LocalityGroups
{
    /// <param name="localities">Each endpoint's locality, in the endpoints' order.</param>
    /// <param name="minHealthPercent">Outlier detection's panic threshold; null without outlier detection.</param>
    /// <param name="balancer">Makes the balancer that picks among a locality's (or a level's) endpoints.</param>
    /// <param name="hashTable">For a consistent hash: makes a level's table, given the weights to place its endpoints by (null: their own).</param>
    public static LocalityBalancer? Build(
        Endpoint[] endpoints,
        string[] localities,
        LocalityName proxy,
        IReadOnlyDictionary<string, string> proxyLabels,
        LocalityLoadBalancerSetting? setting,
        int? minHealthPercent,
        Func<Endpoint[], ILoadBalancer> balancer,
        Func<Endpoint[], IReadOnlyList<double>?, ConsistentHashBalancer>? hashTable,
        IRandomSource random)
    {
        if (proxy.IsEmpty || endpoints.Length == 0 || setting?.Enabled == false)
        {
            return null;
        }

        var named = localities.Select(LocalityName.Parse).ToArray();
        if (setting?.Distribute.FirstOrDefault(d => proxy.Matches(d.From)) is { } distribute)
        {
            var weighted = Distribute(ByLocality(Enumerable.Range(0, endpoints.Length), endpoints, named), distribute);
            PriorityLevel[] level = weighted.Count == 0 ? [] : [Level(weighted, balancer, hashTable, placeByShare: true)];
            return new LocalityBalancer(level, minHealthPercent ?? 0, random);
        }

        if (minHealthPercent is not { } panicThreshold)
        {
            return null;
        }

        var priorities = endpoints.Select((e, i) => Priority(setting, e, named[i], proxy, proxyLabels)).ToArray();
        var levels = priorities.Distinct().Order()
            .Select(p => Level(ByLocality(Enumerable.Range(0, endpoints.Length).Where(i => priorities[i] == p), endpoints, named), balancer, hashTable, placeByShare: false))
            .ToArray();
        return levels.Length <= 1 ? null : new LocalityBalancer(levels, panicThreshold, random);
    }

    /// <summary>The endpoints <paramref name="indices"/> grouped by locality (first seen first), each weighing the sum of its endpoints' weights.</summary>
    private static List<(LocalityName Name, Endpoint[] Endpoints, long Weight)> ByLocality(IEnumerable<int> indices, Endpoint[] endpoints, LocalityName[] named)
        => indices
            .GroupBy(i => named[i])
            .Select(g => (g.Key, g.Select(i => endpoints[i]).ToArray(), g.Sum(i => (long)Math.Max(1, endpoints[i].Weight))))
            .ToList();

    /// <summary>
    /// Istio's <c>applyLocalityWeights</c>: each key takes the localities it matches that no key
    /// took before, and gives each <c>ceil(its weight × key weight ÷ their total weight)</c>.
    /// Validation guarantees the keys do not overlap and weigh at least 1.
    /// </summary>
    private static List<(LocalityName Name, Endpoint[] Endpoints, long Weight)> Distribute(List<(LocalityName Name, Endpoint[] Endpoints, long Weight)> localities, LocalityDistribute distribute)
    {
        var kept = new List<(LocalityName Name, Endpoint[] Endpoints, long Weight)>();
        var taken = new bool[localities.Count];
        foreach (var (to, weight) in distribute.To)
        {
            var matched = Enumerable.Range(0, localities.Count).Where(k => !taken[k] && localities[k].Name.Matches(to)).ToArray();
            var total = matched.Sum(k => localities[k].Weight);
            foreach (var k in matched)
            {
                taken[k] = true;
                var share = (long)Math.Ceiling((double)localities[k].Weight * weight / total);
                kept.Add(localities[k] with { Weight = share > 0 ? share : localities[k].Weight }); // 0: Istio leaves the weight as it was
            }
        }

        return kept;
    }

    /// <summary>
    /// A level of the given localities. With <paramref name="placeByShare"/>, a consistent-hash table
    /// places each endpoint by its share of its locality's weight, as Envoy's ring and Maglev do
    /// under locality-weighted balancing (which Istio turns on); otherwise by its own weight, which
    /// is the same thing when a locality weighs the sum of its endpoints' weights.
    /// </summary>
    private static PriorityLevel Level(
        List<(LocalityName Name, Endpoint[] Endpoints, long Weight)> localities,
        Func<Endpoint[], ILoadBalancer> balancer,
        Func<Endpoint[], IReadOnlyList<double>?, ConsistentHashBalancer>? hashTable,
        bool placeByShare)
    {
        var all = localities.SelectMany(l => l.Endpoints).ToArray();
        var flat = balancer(all);
        var groups = localities.Count == 1
            ? [new LocalityGroup(localities[0].Name, localities[0].Endpoints, flat, localities[0].Weight)]
            : localities.Select(l => new LocalityGroup(l.Name, l.Endpoints, balancer(l.Endpoints), l.Weight)).ToArray();
        var shares = placeByShare
            ? localities.SelectMany(l => l.Endpoints.Select(e => (double)l.Weight * Math.Max(1, e.Weight) / l.Endpoints.Sum(x => Math.Max(1, x.Weight)))).ToArray()
            : null;
        return new PriorityLevel(all, groups, flat, hashTable?.Invoke(all, shares));
    }

    /// <summary>
    /// An endpoint's failover priority (0 first; only the order matters). Istio applies
    /// <c>failoverPriority</c>, then, when <c>failover</c> is set as well, its locality priority
    /// (0–4) within each label priority: <c>label × 5 + locality</c>.
    /// </summary>
    private static int Priority(LocalityLoadBalancerSetting? setting, Endpoint endpoint, LocalityName locality, LocalityName proxy, IReadOnlyDictionary<string, string> proxyLabels)
    {
        if (setting is not { FailoverPriority.Length: > 0 })
        {
            return LocalityPriority(locality, proxy, setting);
        }

        var byLabels = LabelPriority(setting.FailoverPriority, endpoint, locality, proxy, proxyLabels);
        return setting.Failover.IsEmpty ? byLabels : (byLabels * 5) + LocalityPriority(locality, proxy, setting);
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
    /// The topology labels of region, zone and subzone are read from the localities. An entry
    /// <c>label=value</c> matches endpoints whose label has that value, whatever the sidecar's is
    /// (Istio's override).
    /// </summary>
    private static int LabelPriority(IReadOnlyList<string> labels, Endpoint endpoint, LocalityName locality, LocalityName proxy, IReadOnlyDictionary<string, string> proxyLabels)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            var (key, wanted) = SplitOverride(labels[i]);
            var (mine, theirs) = key switch
            {
                "topology.kubernetes.io/region" => (proxy.Region, locality.Region),
                "topology.kubernetes.io/zone" => (proxy.Zone, locality.Zone),
                "topology.istio.io/subzone" => (proxy.Subzone, locality.Subzone),
                _ => (proxyLabels.GetValueOrDefault(key), endpoint.Labels.GetValueOrDefault(key)),
            };
            mine = wanted ?? mine;
            if (mine is null || mine != theirs)
            {
                return labels.Count - i;
            }
        }

        return 0;
    }

    /// <summary>A <c>failoverPriority</c> entry: the label, and the value it must have when given as <c>label=value</c>.</summary>
    internal static (string Label, string? Value) SplitOverride(string entry)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (entry, null) : (entry[..equals], entry[(equals + 1)..]);
    }
}
