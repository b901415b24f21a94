using Engine.Config;
using Engine.Config.Model;
using Engine.Interception;

namespace Engine.Routing.Compile;

/// <summary>
/// VirtualService <c>tcp[]</c> rules, used for intercepted non-HTTP traffic (transparent mode,
/// Engine.Interception). Same destination resolution as <c>http[]</c>; a match entry applies by
/// service <c>port</c> and <c>destinationSubnets</c> at run time, the rest is filtered here.
/// </summary>
internal sealed partial class RouteTableCompiler
{
    public TcpRouteTable CompileTcp(IReadOnlyList<IstioResource<VirtualService>> virtualServices)
    {
        var byHost = new Dictionary<string, (TcpRouteRule[] Rules, string Owner)>(StringComparer.OrdinalIgnoreCase);
        foreach (var vs in RootsInOrder(virtualServices.Where(v => v.Spec.AppliesToMesh)))
        {
            if (vs.Spec.Tcp.IsEmpty)
            {
                continue;
            }

            var rules = CompileTcpRules(vs);
            var owner = $"{vs.Namespace}/{vs.Name}";
            for (var i = 0; i < vs.Spec.Hosts.Length; i++)
            {
                var host = IstioHost.ResolveShortName(vs.Spec.Hosts[i], vs.Namespace);
                if (rules.Length == 0 || IstioHost.IsWildcard(host))
                {
                    continue;
                }

                if (!byHost.TryAdd(host, (rules, owner)) && byHost[host].Owner != owner)
                {
                    Warn(vs, vs.Spec.Source.Field($"hosts[{i}]"),
                        $"host {host} already has tcp routes from VirtualService {byHost[host].Owner}, which is older; these are ignored for it");
                }
            }
        }

        return new TcpRouteTable(byHost.ToDictionary(h => h.Key, h => h.Value.Rules, StringComparer.OrdinalIgnoreCase));
    }

    private TcpRouteRule[] CompileTcpRules(IstioResource<VirtualService> vs)
    {
        var rules = new List<TcpRouteRule>();
        var tcp = vs.Spec.Tcp;
        for (var i = 0; i < tcp.Length; i++)
        {
            var route = tcp[i];
            var matches = new List<L4Match>();
            foreach (var match in route.Match)
            {
                if (!MatcherCompiler.AppliesToSidecar(match.Gateways, match.SourceLabels, match.SourceNamespace, _options))
                {
                    continue;
                }

                var subnets = match.DestinationSubnets
                    .Select(s => Subnet.TryParse(s, out var network) ? network : (System.Net.IPNetwork?)null)
                    .OfType<System.Net.IPNetwork>()
                    .ToArray();
                matches.Add(new L4Match(match.Port > 0 ? (int)match.Port : null, subnets));
            }

            if (!route.Match.IsEmpty && matches.Count == 0)
            {
                continue; // every match was filtered out for this sidecar
            }

            var weighted = route.Route.Length > 1;
            var destinations = route.Route
                .Where(r => r.Destination is not null && (!weighted || r.Weight > 0)) // Envoy omits weight-0 clusters
                .Select(r => CompileDestinationTarget(vs, r.Destination!, weighted ? r.Weight : 1, vs.Namespace))
                .ToArray();
            rules.Add(new TcpRouteRule($"{vs.Name}.tcp.{i}", matches.ToArray(), new RouteAction(destinations)));
        }

        return rules.ToArray();
    }
}
