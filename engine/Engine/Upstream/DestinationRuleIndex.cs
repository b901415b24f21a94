using Engine.Config;
using Engine.Config.Model;
using Engine.Upstream.Registry;

namespace Engine.Upstream;

/// <summary>
/// Finds the DestinationRule a sidecar applies to a service, as Istio looks it up
/// (istio-semantics.md §2.6): a rule of the sidecar's own namespace whose
/// <c>workloadSelector</c> selects the sidecar wins outright; else the first namespace that has
/// a rule for the host, in the order the sidecar's namespace (every rule there, whatever its
/// <c>exportTo</c>), the service's namespace, the root namespace (<c>istio-system</c>) — the
/// last two only with rules exported to the sidecar's namespace. Within a namespace the exact
/// host wins over the most specific wildcard, and several rules for one host are merged as Istio
/// merges them: subsets concatenated, the first definition of a name wins, the first top-level
/// traffic policy wins (oldest rule first). A rule with a selector never applies outside its
/// own namespace.
/// </summary>
internal sealed class DestinationRuleIndex
{
    /// <summary>MeshConfig <c>rootNamespace</c>'s default: rules there are the mesh's defaults.</summary>
    public const string RootNamespace = "istio-system";

    private readonly string _proxyNamespace;
    private readonly Dictionary<string, DestinationRule> _selected = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, DestinationRule>> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, DestinationRule>> _exported = new(StringComparer.Ordinal);

    public DestinationRuleIndex(IReadOnlyList<IstioResource<DestinationRule>> rules, string proxyNamespace = "default", IReadOnlyDictionary<string, string>? proxyLabels = null)
    {
        _proxyNamespace = proxyNamespace;
        var ordered = rules
            .OrderBy(r => r.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Namespace, StringComparer.Ordinal);
        foreach (var rule in ordered)
        {
            var host = IstioHost.ResolveShortName(rule.Spec.Host, rule.Namespace);
            if (rule.Spec.WorkloadSelector is { } selector)
            {
                // Honoured for the sidecar's own namespace only, and only when it selects the sidecar.
                if (rule.Namespace == proxyNamespace && Selects(selector, proxyLabels))
                {
                    Add(_selected, host, rule.Spec);
                }

                continue;
            }

            Add(Namespace(_local, rule.Namespace), host, rule.Spec);
            if (ExportVisibility.IsVisible(rule.Spec.ExportTo, rule.Namespace, proxyNamespace))
            {
                Add(Namespace(_exported, rule.Namespace), host, rule.Spec);
            }
        }
    }

    public DestinationRule? Find(MeshService service) => Find(service.Host, service.Namespace);

    public DestinationRule? Find(string serviceHost, string serviceNamespace)
        => Lookup(_selected, serviceHost)
            ?? Lookup(_local.GetValueOrDefault(_proxyNamespace), serviceHost)
            ?? Lookup(_exported.GetValueOrDefault(serviceNamespace), serviceHost)
            ?? Lookup(_exported.GetValueOrDefault(RootNamespace), serviceHost);

    private static DestinationRule? Lookup(Dictionary<string, DestinationRule>? byHost, string serviceHost)
    {
        if (byHost is null)
        {
            return null;
        }

        if (byHost.TryGetValue(serviceHost, out var exact))
        {
            return exact;
        }

        var best = IstioHost.MostSpecificMatch(serviceHost, byHost.Keys.Where(IstioHost.IsWildcard));
        return best is null ? null : byHost[best];
    }

    private static Dictionary<string, DestinationRule> Namespace(Dictionary<string, Dictionary<string, DestinationRule>> byNamespace, string name)
        => byNamespace.TryGetValue(name, out var byHost) ? byHost : byNamespace[name] = new(StringComparer.OrdinalIgnoreCase);

    private static void Add(Dictionary<string, DestinationRule> byHost, string host, DestinationRule rule)
        => byHost[host] = byHost.TryGetValue(host, out var existing) ? Merge(existing, rule) : rule;

    private static bool Selects(WorkloadSelector selector, IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var (key, value) in selector.Labels)
        {
            if (labels is null || !labels.TryGetValue(key, out var mine) || mine != value)
            {
                return false;
            }
        }

        return true;
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
