using Engine.Config;
using Engine.Config.Model;
using Engine.Upstream.Registry;

namespace Engine.Routing.Compile;

/// <summary>
/// Wildcard VirtualService hosts and the services they match (istio-semantics.md §2.3): a service
/// takes the routes of the VirtualService whose host names it exactly, else of the most specific
/// (longest) wildcard host that matches it, the oldest VirtualService winning a host several
/// declare. The wildcard routes the service's own domains (FQDN, short names, VIPs, §2.4), so a
/// request for <c>api.example.com</c> under <c>*.example.com</c> gets the VirtualService and not
/// the service's default route, however the names are looked up.
/// </summary>
internal sealed partial class RouteTableCompiler
{
    /// <summary>
    /// For each registry service a wildcard host is the most specific match of: that VirtualService
    /// and host (Istio's <c>computeWildcardHostVirtualServiceIndex</c>). A service an exact host
    /// names is left out: that VirtualService routes it (or, when it has no rule for this sidecar,
    /// nobody does and the service keeps its default route, as in Istio).
    /// </summary>
    private Dictionary<MeshService, (IstioResource<VirtualService> Vs, string Host)> WildcardAttachments(IReadOnlyList<IstioResource<VirtualService>> rootsInOrder)
    {
        var exact = new Dictionary<string, IstioResource<VirtualService>>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, IstioResource<VirtualService>>(StringComparer.OrdinalIgnoreCase);
        foreach (var vs in rootsInOrder)
        {
            foreach (var name in vs.Spec.Hosts)
            {
                var host = IstioHost.ResolveShortName(name, vs.Namespace);
                (IstioHost.IsWildcard(host) ? wildcards : exact).TryAdd(host, vs); // the oldest keeps a host
            }
        }

        var attached = new Dictionary<MeshService, (IstioResource<VirtualService>, string)>();
        if (wildcards.Count == 0)
        {
            return attached;
        }

        foreach (var service in _registry.Services)
        {
            if (exact.ContainsKey(service.Host))
            {
                continue;
            }

            if (IstioHost.MostSpecificMatch(service.Host, wildcards.Keys) is { } best)
            {
                attached[service] = (wildcards[best], best);
            }
        }

        return attached;
    }

    /// <summary>
    /// True when a wildcard VirtualService host covers a registry service. Such a host routes the
    /// services attached to it and is no domain itself (Istio's separateVSHostsAndServices keeps
    /// only hosts that found no service); one that covers none is routed by name (<c>*.suffix</c>).
    /// </summary>
    private bool MatchesAService(string wildcard)
        => _registry.Services.Any(s => IstioHost.SubsetOf(s.Host, wildcard));
}
