using Engine.Config;
using Engine.Config.Model;
using Engine.Upstream;
using Engine.Upstream.Registry;

namespace Engine.Routing.Compile;

/// <summary>
/// Compiles every VirtualService that applies to the sidecar, and a default route for every
/// service without one, into one immutable <see cref="RouteTable"/>.
/// </summary>
/// <remarks>
/// Istio semantics kept here (istio-semantics.md §2–§3): short names resolve with the
/// VirtualService's namespace; a host's aliases are the names Istio generates for it; several
/// VirtualServices for one host are not merged on a sidecar — the oldest (creationTimestamp,
/// then name) wins and the others are reported; rules after a catch-all rule are unreachable and
/// dropped with a warning; a VirtualService whose every match is filtered out for this sidecar
/// contributes nothing, and its services keep their default route.
/// </remarks>
internal sealed partial class RouteTableCompiler
{
    private readonly ServiceRegistry _registry;
    private readonly IReadOnlyDictionary<string, Cluster> _clusters;
    private readonly RouteCompileOptions _options;
    private readonly Action<ConfigDiagnostic> _report;
    private readonly Dictionary<string, (VirtualHost Host, string Owner)> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (VirtualHost Host, string Owner)> _wildcards = new(StringComparer.OrdinalIgnoreCase);

    public RouteTableCompiler(ServiceRegistry registry, IReadOnlyDictionary<string, Cluster> clusters, RouteCompileOptions options, Action<ConfigDiagnostic> report)
    {
        _registry = registry;
        _clusters = clusters;
        _options = options;
        _report = report;
    }

    public RouteTable Compile(IReadOnlyList<IstioResource<VirtualService>> virtualServices)
    {
        foreach (var vs in RootsInOrder(virtualServices))
        {
            AddVirtualService(vs);
        }

        AddDefaultRoutes();
        return new RouteTable(
            _exact.ToDictionary(e => e.Key, e => e.Value.Host, StringComparer.OrdinalIgnoreCase),
            _wildcards.Select(w => (w.Key[1..], w.Value.Host)),
            catchAll: null);
    }

    /// <summary>The VirtualServices that apply to the mesh and are not delegates, oldest first (the one that wins a shared host).</summary>
    private static IEnumerable<IstioResource<VirtualService>> RootsInOrder(IReadOnlyList<IstioResource<VirtualService>> virtualServices)
        => virtualServices
            .Where(v => v.Spec.AppliesToMesh && !v.Spec.IsDelegate)
            .OrderBy(v => v.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(v => v.Name, StringComparer.Ordinal)
            .ThenBy(v => v.Namespace, StringComparer.Ordinal);

    private void AddVirtualService(IstioResource<VirtualService> vs)
    {
        var rules = CompileRules(vs);
        if (rules.Length == 0)
        {
            if (!vs.Spec.Http.IsEmpty)
            {
                Warn(vs, vs.Spec.Source.Field("http"), "no rule applies to this sidecar (gateways, sourceLabels or sourceNamespace); its hosts keep their default routes");
            }

            return;
        }

        var owner = $"{vs.Namespace}/{vs.Name}";
        for (var i = 0; i < vs.Spec.Hosts.Length; i++)
        {
            var host = IstioHost.ResolveShortName(vs.Spec.Hosts[i], vs.Namespace);
            var domains = DomainsFor(host);
            var vhost = new VirtualHost(owner, domains, rules, fromVirtualService: true);
            foreach (var domain in domains)
            {
                var table = IstioHost.IsWildcard(domain) ? _wildcards : _exact;
                if (table.TryGetValue(domain, out var existing))
                {
                    if (existing.Owner != owner)
                    {
                        Warn(vs, vs.Spec.Source.Field($"hosts[{i}]"),
                            $"host {domain} is already routed by VirtualService {existing.Owner}, which is older; a sidecar does not merge VirtualServices, so this one is ignored for it");
                    }

                    continue;
                }

                table[domain] = (vhost, owner);
            }
        }
    }

    private RouteRule[] CompileRules(IstioResource<VirtualService> vs)
    {
        var rules = new List<RouteRule>();
        var http = vs.Spec.Http;
        for (var i = 0; i < http.Length; i++)
        {
            var route = http[i];
            if (route.Delegate is not null)
            {
                Warn(vs, route.Source.Field("delegate"), "delegate VirtualServices are not supported yet; this rule is skipped");
                continue;
            }

            var matches = new List<MatchCondition>();
            foreach (var match in route.Match)
            {
                if (MatcherCompiler.Compile(match, _options) is { } compiled)
                {
                    matches.Add(compiled);
                }
            }

            if (!route.Match.IsEmpty && matches.Count == 0)
            {
                continue; // every match was filtered out for this sidecar
            }

            var name = route.Name.Length > 0 ? route.Name : $"{vs.Name}.{i}";
            var rule = new RouteRule(name, i, matches.ToArray(), CompileAction(vs, route.Route.Select(r => (r.Destination, r.Weight)).ToArray()));
            rules.Add(rule);
            if (rule.IsCatchAll && i < http.Length - 1)
            {
                for (var j = i + 1; j < http.Length; j++)
                {
                    Warn(vs, http[j].Source, $"rule is unreachable: rule {i} before it matches every request");
                }

                break;
            }
        }

        return rules.ToArray();
    }

    /// <summary>The weighted destinations of an <c>http[]</c> or <c>tcp[]</c> rule.</summary>
    private RouteAction CompileAction(IstioResource<VirtualService> vs, (Destination? Destination, int Weight)[] route)
    {
        var destinations = new List<RouteDestination>();
        var weighted = route.Length > 1;
        foreach (var entry in route)
        {
            if (entry.Destination is null || (weighted && entry.Weight == 0))
            {
                continue; // Envoy omits weight-0 clusters from weighted_clusters
            }

            destinations.Add(CompileDestination(vs, entry.Destination, weighted ? entry.Weight : 1));
        }

        return new RouteAction(destinations.ToArray());
    }

    private RouteDestination CompileDestination<T>(IstioResource<T> owner, Destination destination, int weight)
        where T : ModelNode
    {
        var host = IstioHost.ResolveShortName(destination.Host, owner.Namespace);
        var subset = destination.Subset.Length > 0 ? destination.Subset : null;
        var service = _registry.Find(host);
        if (service is null)
        {
            Warn(owner, destination.Source.Field("host"), $"destination host {host} matches no ServiceEntry; requests to it get 503 (NC)");
            return new RouteDestination(host, subset, destination.Port is { } p ? (int)p.Number : null, weight, null, []);
        }

        if (destination.Port is { Number: > 0 } port)
        {
            var cluster = _clusters.GetValueOrDefault(Cluster.NameFor((int)port.Number, subset, host));
            if (cluster is null)
            {
                Warn(owner, destination.Source, $"no cluster {Cluster.NameFor((int)port.Number, subset, host)} (unknown {(service.FindPort((int)port.Number) is null ? "port" : "subset")}); requests to it get 503 (NC)");
            }

            return new RouteDestination(host, subset, (int)port.Number, weight, cluster, []);
        }

        var byPort = service.Ports
            .Select(p => (p.Number, Cluster: _clusters.GetValueOrDefault(Cluster.NameFor(p.Number, subset, host))))
            .Where(p => p.Cluster is not null)
            .Select(p => (p.Number, p.Cluster!))
            .ToArray();
        if (byPort.Length == 0 && subset is not null)
        {
            Warn(owner, destination.Source.Field("subset"), $"subset {subset} is not defined by a DestinationRule for {host}; requests to it get 503 (NC)");
        }

        // One port: it is the destination port whatever the request says (istio-semantics.md §3.4).
        return service.Ports.Count == 1
            ? new RouteDestination(host, subset, null, weight, byPort.Length == 1 ? byPort[0].Item2 : null, [])
            : new RouteDestination(host, subset, null, weight, null, byPort);
    }

    /// <summary>Istio's default route for a service without a VirtualService: everything to <c>outbound|port||host</c>.</summary>
    private void AddDefaultRoutes()
    {
        foreach (var service in _registry.Services.OrderBy(s => s.Host, StringComparer.Ordinal))
        {
            var domains = service.Aliases(_options.ProxyNamespace).ToArray();
            var byPort = service.Ports
                .Select(p => (p.Number, Cluster: _clusters.GetValueOrDefault(Cluster.NameFor(p.Number, null, service.Host))))
                .Where(p => p.Cluster is not null)
                .Select(p => (p.Number, p.Cluster!))
                .ToArray();
            var destination = service.Ports.Count == 1
                ? new RouteDestination(service.Host, null, null, 1, byPort.Length == 1 ? byPort[0].Item2 : null, [])
                : new RouteDestination(service.Host, null, null, 1, null, byPort);
            var rule = new RouteRule("default", 0, [], new RouteAction([destination]));
            var vhost = new VirtualHost(service.Host, domains, [rule], fromVirtualService: false);
            foreach (var domain in domains)
            {
                var table = IstioHost.IsWildcard(domain) ? _wildcards : _exact;
                table.TryAdd(domain, (vhost, service.Host));
            }
        }
    }

    private string[] DomainsFor(string host)
    {
        if (IstioHost.IsWildcard(host))
        {
            return [host];
        }

        var service = _registry.Find(host);
        if (service is not null)
        {
            return service.Aliases(_options.ProxyNamespace).ToArray();
        }

        // A host no ServiceEntry declares (e.g. bookinfo.com): routed by name alone.
        return new MeshService(host, string.Empty, ServiceEntryResolution.None, [], [], [], SourceLocation.None)
            .Aliases(_options.ProxyNamespace).ToArray();
    }

    private void Warn<T>(IstioResource<T> resource, SourceLocation at, string message)
        where T : ModelNode
        => _report(new ConfigDiagnostic(DiagnosticSeverity.Warning, at.File, at.Line, resource.Kind.ToString(), resource.Name, at.Path, message));
}
