using System.Collections.Immutable;
using Engine.Config;
using Engine.Config.Model;

namespace Engine.Upstream;

/// <summary>
/// Finds the DestinationRule for a service host: the exact host, else the most specific
/// wildcard. Several rules for one host are merged as Istio merges them for sidecars
/// (istio-semantics.md §2.6): subsets concatenated, the first definition of a name wins, the
/// first top-level traffic policy wins (oldest rule first).
/// </summary>
internal sealed class DestinationRuleIndex
{
    private readonly Dictionary<string, DestinationRule> _byHost;

    public DestinationRuleIndex(IReadOnlyList<IstioResource<DestinationRule>> rules)
    {
        _byHost = new Dictionary<string, DestinationRule>(StringComparer.OrdinalIgnoreCase);
        var ordered = rules
            .OrderBy(r => r.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Namespace, StringComparer.Ordinal);
        foreach (var rule in ordered)
        {
            var host = IstioHost.ResolveShortName(rule.Spec.Host, rule.Namespace);
            _byHost[host] = _byHost.TryGetValue(host, out var existing) ? Merge(existing, rule.Spec) : rule.Spec;
        }
    }

    public DestinationRule? Find(string serviceHost)
    {
        if (_byHost.TryGetValue(serviceHost, out var exact))
        {
            return exact;
        }

        var best = IstioHost.MostSpecificMatch(serviceHost, _byHost.Keys.Where(IstioHost.IsWildcard));
        return best is null ? null : _byHost[best];
    }

    private static DestinationRule Merge(DestinationRule first, DestinationRule second)
    {
        var names = first.Subsets.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var subsets = first.Subsets.AddRange(second.Subsets.Where(s => names.Add(s.Name)));
        return first with
        {
            Subsets = subsets,
            TrafficPolicy = first.TrafficPolicy ?? second.TrafficPolicy,
        };
    }
}
