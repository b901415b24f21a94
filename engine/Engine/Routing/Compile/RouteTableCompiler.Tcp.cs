using System.Collections.Immutable;
using Engine.Config;
using Engine.Config.Model;
using Engine.Interception;

namespace Engine.Routing.Compile;

/// <summary>
/// VirtualService <c>tcp[]</c> and <c>tls[]</c> rules, used for intercepted non-HTTP traffic
/// (transparent mode, Engine.Interception). Same destination resolution as <c>http[]</c>; a match
/// entry applies by service <c>port</c>, <c>destinationSubnets</c> and, for TLS, the ClientHello's
/// server name (<c>sniHosts</c>) at run time; the static selectors are filtered here.
/// </summary>
internal sealed partial class RouteTableCompiler
{
    public TcpRouteTable CompileTcp(IReadOnlyList<IstioResource<VirtualService>> virtualServices)
        => CompileL4(virtualServices, "tcp", vs => vs.Spec.Tcp.Length, CompileTcpRules);

    public TcpRouteTable CompileTls(IReadOnlyList<IstioResource<VirtualService>> virtualServices)
        => CompileL4(virtualServices, "tls", vs => vs.Spec.Tls.Length, CompileTlsRules);

    private TcpRouteTable CompileL4(
        IReadOnlyList<IstioResource<VirtualService>> virtualServices, string kind, Func<IstioResource<VirtualService>, int> count, Func<IstioResource<VirtualService>, TcpRouteRule[]> compile)
    {
        var byHost = new Dictionary<string, (TcpRouteRule[] Rules, string Owner)>(StringComparer.OrdinalIgnoreCase);
        foreach (var vs in RootsInOrder(virtualServices.Where(v => v.Spec.AppliesToMesh)))
        {
            if (count(vs) == 0)
            {
                continue;
            }

            var rules = compile(vs);
            var owner = $"{vs.Namespace}/{vs.Name}";
            for (var i = 0; i < vs.Spec.Hosts.Length; i++)
            {
                var host = IstioHost.ResolveShortName(vs.Spec.Hosts[i], vs.Namespace);
                if (rules.Length == 0 || (kind == "tcp" && IstioHost.IsWildcard(host)))
                {
                    continue;
                }

                if (!byHost.TryAdd(host, (rules, owner)) && byHost[host].Owner != owner)
                {
                    Warn(vs, vs.Spec.Source.Field($"hosts[{i}]"),
                        $"host {host} already has {kind} routes from VirtualService {byHost[host].Owner}, which is older; these are ignored for it");
                }
            }
        }

        return new TcpRouteTable(byHost.ToDictionary(h => h.Key, h => h.Value.Rules, StringComparer.OrdinalIgnoreCase));
    }

    private TcpRouteRule[] CompileTcpRules(IstioResource<VirtualService> vs)
    {
        var rules = new List<TcpRouteRule>();
        for (var i = 0; i < vs.Spec.Tcp.Length; i++)
        {
            var route = vs.Spec.Tcp[i];
            var matches = route.Match
                .Where(m => MatcherCompiler.AppliesToSidecar(m.Gateways, m.SourceLabels, m.SourceNamespace, _options))
                .Select(m => new L4Match(m.Port > 0 ? (int)m.Port : null, Subnets(m.DestinationSubnets)))
                .ToArray();
            if (L4Rule(vs, $"{vs.Name}.tcp.{i}", route.Match.IsEmpty, matches, route.Route) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return rules.ToArray();
    }

    private TcpRouteRule[] CompileTlsRules(IstioResource<VirtualService> vs)
    {
        var rules = new List<TcpRouteRule>();
        for (var i = 0; i < vs.Spec.Tls.Length; i++)
        {
            var route = vs.Spec.Tls[i];
            var matches = route.Match
                .Where(m => MatcherCompiler.AppliesToSidecar(m.Gateways, m.SourceLabels, m.SourceNamespace, _options))
                .Select(m => new L4Match(m.Port > 0 ? (int)m.Port : null, Subnets(m.DestinationSubnets), m.SniHosts.Select(h => h.ToLowerInvariant()).ToArray()))
                .ToArray();

            // A TLS route always has a match (sniHosts is required): an empty list is not "match all".
            if (!route.Match.IsEmpty && L4Rule(vs, $"{vs.Name}.tls.{i}", false, matches, route.Route) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return rules.ToArray();
    }

    /// <summary>A rule from its matches (null when every match was filtered out for this sidecar) and its weighted destinations.</summary>
    private TcpRouteRule? L4Rule(IstioResource<VirtualService> vs, string name, bool matchesAll, L4Match[] matches, ImmutableArray<Engine.Config.Model.RouteDestination> route)
    {
        if (!matchesAll && matches.Length == 0)
        {
            return null;
        }

        var weighted = route.Length > 1;
        var destinations = route
            .Where(r => r.Destination is not null && (!weighted || r.Weight > 0)) // Envoy omits weight-0 clusters
            .Select(r => CompileDestinationTarget(vs, r.Destination!, weighted ? r.Weight : 1, vs.Namespace))
            .ToArray();
        return new TcpRouteRule(name, matches, new RouteAction(destinations));
    }

    private static System.Net.IPNetwork[] Subnets(ImmutableArray<string> subnets)
        => subnets
            .Select(s => Subnet.TryParse(s, out var network) ? network : (System.Net.IPNetwork?)null)
            .OfType<System.Net.IPNetwork>()
            .ToArray();
}
