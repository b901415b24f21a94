using Engine.Config;
using Engine.Config.Model;
using Engine.Routing.Policies;
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
/// contributes nothing, and its services keep their default route — per port, since
/// <c>match.port</c> is one of those static filters; a wildcard host routes the services it is
/// the most specific VirtualService host for (.Wildcards.cs).
/// </remarks>
internal sealed partial class RouteTableCompiler
{
    /// <summary>A VirtualService's rules for ports no match entry names, and for each port one names.</summary>
    private sealed record PortRules(RouteRule[] OtherPorts, (int Port, RouteRule[] Rules)[] ByPort)
    {
        /// <summary>No rule survives on any port: the VirtualService contributes nothing.</summary>
        public bool IsEmpty => OtherPorts.Length == 0 && ByPort.All(p => p.Rules.Length == 0);
    }

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
        var applying = virtualServices.Where(v => v.Spec.AppliesToMesh).ToArray();
        var delegates = applying.Where(v => v.Spec.IsDelegate).ToDictionary(v => (v.Namespace, v.Name));
        var roots = RootsInOrder(applying).ToArray();
        var defaults = DefaultHosts();
        var attached = WildcardAttachments(roots);
        foreach (var vs in roots)
        {
            AddVirtualService(vs, delegates, defaults, attached);
        }

        AddDefaultRoutes(defaults);
        return new RouteTable(
            _exact.ToDictionary(e => e.Key, e => e.Value.Host, StringComparer.OrdinalIgnoreCase),
            _wildcards.Select(w => (w.Key[1..], w.Value.Host)),
            catchAll: null);
    }

    /// <summary>The VirtualServices that are not delegates, oldest first (the one that wins a shared host).</summary>
    private static IEnumerable<IstioResource<VirtualService>> RootsInOrder(IEnumerable<IstioResource<VirtualService>> applying)
        => applying
            .Where(v => !v.Spec.IsDelegate)
            .OrderBy(v => v.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(v => v.Name, StringComparer.Ordinal)
            .ThenBy(v => v.Namespace, StringComparer.Ordinal);

    private void AddVirtualService(
        IstioResource<VirtualService> vs,
        IReadOnlyDictionary<(string, string), IstioResource<VirtualService>> delegates,
        IReadOnlyDictionary<string, VirtualHost> defaults,
        IReadOnlyDictionary<MeshService, (IstioResource<VirtualService> Vs, string Host)> attached)
    {
        var rules = CompileRules(vs, delegates);
        if (rules.IsEmpty)
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
            if (IstioHost.IsWildcard(host) && MatchesAService(host))
            {
                // Istio attaches each service the wildcard matches to its most specific VirtualService
                // host, and the wildcard itself is then no domain (istio-semantics.md §2.3).
                foreach (var service in attached.Where(a => a.Value.Vs == vs && string.Equals(a.Value.Host, host, StringComparison.OrdinalIgnoreCase)).Select(a => a.Key).OrderBy(s => s.Host, StringComparer.Ordinal))
                {
                    AddHost(vs, i, owner, service.Aliases(_options.ProxyNamespace).ToArray(), rules, defaults.GetValueOrDefault(service.Host));
                }

                if (attached.Values.FirstOrDefault(a => a.Vs != vs && string.Equals(a.Host, host, StringComparison.OrdinalIgnoreCase)).Vs is { } older)
                {
                    Warn(vs, vs.Spec.Source.Field($"hosts[{i}]"),
                        $"host {host} is already routed by VirtualService {older.Namespace}/{older.Name}, which is older; a sidecar does not merge VirtualServices, so this one is ignored for it");
                }

                continue;
            }

            AddHost(vs, i, owner, DomainsFor(host), rules, IstioHost.IsWildcard(host) ? null : defaults.GetValueOrDefault(host));
        }
    }

    /// <summary>One virtual host of a VirtualService for <paramref name="domains"/>; a domain an older VirtualService took stays with it.</summary>
    private void AddHost(IstioResource<VirtualService> vs, int hostIndex, string owner, string[] domains, PortRules rules, VirtualHost? fallback)
    {
        var vhost = new VirtualHost(owner, domains, rules.OtherPorts, rules.ByPort, fallback);
        foreach (var domain in domains)
        {
            var table = IstioHost.IsWildcard(domain) ? _wildcards : _exact;
            if (table.TryGetValue(domain, out var existing))
            {
                if (existing.Owner != owner)
                {
                    Warn(vs, vs.Spec.Source.Field($"hosts[{hostIndex}]"),
                        $"host {domain} is already routed by VirtualService {existing.Owner}, which is older; a sidecar does not merge VirtualServices, so this one is ignored for it");
                }

                continue;
            }

            table[domain] = (vhost, owner);
        }
    }

    /// <summary>
    /// The rules of a VirtualService, for every port at once. <c>match.port</c> is a static filter
    /// (istio-semantics.md §3.1): Istio translates the VirtualService once per listener port and
    /// drops the match entries of other ports, so each port a match entry names gets its own rule
    /// set, and every other port the entries without a port. Matches and actions are compiled once
    /// and shared by the sets.
    /// </summary>
    private PortRules CompileRules(IstioResource<VirtualService> vs, IReadOnlyDictionary<(string, string), IstioResource<VirtualService>> delegates)
    {
        var resolved = DelegateMerger.Expand(vs, delegates, (at, message) => Warn(vs, at, message)).ToArray();
        var matches = new MatchCondition[resolved.Length][];
        for (var i = 0; i < resolved.Length; i++)
        {
            matches[i] = resolved[i].Route.Match
                .Select(m => MatcherCompiler.Compile(m, _options))
                .OfType<MatchCondition>()
                .ToArray();
        }

        var ports = matches.SelectMany(m => m).Select(m => m.Port).OfType<int>().Distinct().Order().ToArray();
        var actions = new RouteAction?[resolved.Length];
        var warned = new HashSet<string>(StringComparer.Ordinal);
        var otherPorts = RulesFor(null);
        var byPort = ports.Select(p => (p, RulesFor(p))).ToArray();
        return new PortRules(otherPorts, byPort);

        RouteRule[] RulesFor(int? port)
        {
            var rules = new List<RouteRule>();
            for (var i = 0; i < resolved.Length; i++)
            {
                var (route, ns, rootIndex) = resolved[i];
                var kept = Array.FindAll(matches[i], m => m.Port is null || m.Port == port);
                if (!route.Match.IsEmpty && kept.Length == 0)
                {
                    continue; // every match was filtered out for this sidecar, or is for another port
                }

                var name = route.Name.Length > 0 ? route.Name : $"{vs.Name}.{rootIndex}";
                var rule = new RouteRule(name, rootIndex, kept, actions[i] ??= CompileAction(vs, route, ns));
                rules.Add(rule);
                if (rule.IsCatchAll && i < resolved.Length - 1)
                {
                    var where = port is { } p ? $" on port {p}" : ports.Length > 0 ? " on ports no match names" : string.Empty;
                    for (var j = i + 1; j < resolved.Length; j++)
                    {
                        var message = $"rule is unreachable{where}: the rule before it ({name}) matches every request";
                        if (warned.Add(j + message))
                        {
                            Warn(vs, resolved[j].Route.Source, message);
                        }
                    }

                    break;
                }
            }

            return rules.ToArray();
        }
    }

    private RouteAction CompileAction(IstioResource<VirtualService> vs, HttpRoute route, string ns)
    {
        var destinations = new List<RouteDestination>();
        var weighted = route.Route.Length > 1;
        foreach (var entry in route.Route)
        {
            if (entry.Destination is null || (weighted && entry.Weight == 0))
            {
                continue; // Envoy omits weight-0 clusters from weighted_clusters
            }

            destinations.Add(CompileDestination(vs, entry.Destination, weighted ? entry.Weight : 1, ns, entry.Headers));
        }

        var mirrors = new List<MirrorPolicy>();
        if (route.Mirror is { } mirror)
        {
            // mirrorPercentage, else the deprecated integer mirrorPercent, else 100%.
            mirrors.Add(new MirrorPolicy(CompileDestination(vs, mirror, 1, ns, null), route.MirrorPercentage ?? route.MirrorPercent ?? 100));
        }

        foreach (var entry in route.Mirrors)
        {
            if (entry.Destination is { } target)
            {
                mirrors.Add(new MirrorPolicy(CompileDestination(vs, target, 1, ns, null), entry.Percentage ?? 100));
            }
        }

        return ActionCompiler.Compile(route, destinations.ToArray(), mirrors.ToArray());
    }

    private RouteDestination CompileDestination<T>(IstioResource<T> owner, Destination destination, int weight, string ns, Headers? headers)
        where T : ModelNode
    {
        var destination0 = CompileDestinationTarget(owner, destination, weight, ns);
        if (headers is null)
        {
            return destination0;
        }

        return new RouteDestination(destination0.Host, destination0.Subset, destination0.Port, destination0.Weight, destination0.FixedCluster, destination0.ClustersByPort)
        {
            RequestEdits = ActionCompiler.Edits(headers.Request),
            ResponseEdits = ActionCompiler.Edits(headers.Response),
            AuthorityRewrite = ActionCompiler.Authority(null, headers.Request),
        };
    }

    private RouteDestination CompileDestinationTarget<T>(IstioResource<T> owner, Destination destination, int weight, string ns)
        where T : ModelNode
    {
        var host = IstioHost.ResolveShortName(destination.Host, ns);
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

    /// <summary>
    /// Istio's default route for every service: everything to <c>outbound|port||host</c>. Built
    /// first because a VirtualService falls back to it on a port where it has no rule.
    /// </summary>
    private Dictionary<string, VirtualHost> DefaultHosts()
    {
        var hosts = new Dictionary<string, VirtualHost>(StringComparer.OrdinalIgnoreCase);
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
            hosts[service.Host] = new VirtualHost(service.Host, domains, [rule], fromVirtualService: false);
        }

        return hosts;
    }

    /// <summary>The default route for the domains of every service no VirtualService took.</summary>
    private void AddDefaultRoutes(IReadOnlyDictionary<string, VirtualHost> defaults)
    {
        foreach (var (host, vhost) in defaults.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            foreach (var domain in vhost.Domains)
            {
                var table = IstioHost.IsWildcard(domain) ? _wildcards : _exact;
                table.TryAdd(domain, (vhost, host));
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
