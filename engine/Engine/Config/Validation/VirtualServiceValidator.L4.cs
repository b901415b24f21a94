using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>TLS (SNI) and TCP rules.</summary>
internal static partial class VirtualServiceValidator
{
    private static void TlsRoute(ResourceReporter r, TlsRoute route, VirtualService vs)
    {
        var s = route.Source;
        if (route.Match.IsEmpty)
        {
            r.Missing(s, "TLS route must have at least one match condition", "match");
        }

        foreach (var m in route.Match)
        {
            if (m.SniHosts.IsEmpty)
            {
                r.Missing(m.Source, "TLS match must have at least one SNI host", "sniHosts");
            }

            for (var i = 0; i < m.SniHosts.Length; i++)
            {
                SniHost(r, m, i, vs);
            }

            Subnets(r, m.Source, m.DestinationSubnets);
            Port(r, m.Source, "port", m.Port);
            Labels(r, m.Source, "sourceLabels", m.SourceLabels);
            GatewayNames(r, m.Source, "gateways", m.Gateways);
        }

        if (route.Route.IsEmpty)
        {
            r.Missing(s, "TLS route is required", "route");
        }

        L4Destinations(r, s, route.Route);
    }

    private static void SniHost(ResourceReporter r, TlsMatchAttributes m, int index, VirtualService vs)
    {
        var sni = m.SniHosts[index];
        var field = $"sniHosts[{index}]";
        if (NameRules.CheckWildcardDomain(sni) is { } error)
        {
            if (NetAddress.IsIp(sni))
            {
                r.Warning(m.Source, field, $"using an IP address (\"{sni}\") goes against the SNI spec and most clients do not support it");
            }
            else
            {
                r.Error(m.Source, field, error);
            }

            return;
        }

        if (!vs.Hosts.Any(h => IstioHost.SubsetOf(sni, h)))
        {
            r.Error(m.Source, field, $"SNI host \"{sni}\" is not a compatible subset of any of the virtual service hosts: [{string.Join(", ", vs.Hosts)}]");
        }
    }

    private static void TcpRoute(ResourceReporter r, TcpRoute route)
    {
        foreach (var m in route.Match)
        {
            Subnets(r, m.Source, m.DestinationSubnets);
            Port(r, m.Source, "port", m.Port);
            Labels(r, m.Source, "sourceLabels", m.SourceLabels);
            GatewayNames(r, m.Source, "gateways", m.Gateways);
            if (m.SourceSubnet.Length > 0)
            {
                if (!NetAddress.IsIpOrCidr(m.SourceSubnet))
                {
                    r.Error(m.Source, "sourceSubnet", $"\"{m.SourceSubnet}\" is not a valid IP address or CIDR block");
                }
                else
                {
                    r.Warning(m.Source, "sourceSubnet", "sourceSubnet is not enforced by this sidecar (deprecated in Istio's API): the rule applies to every source");
                }
            }
        }

        if (route.Route.IsEmpty)
        {
            r.Missing(route.Source, "TCP route is required", "route");
        }

        L4Destinations(r, route.Source, route.Route);
    }

    private static void Subnets(ResourceReporter r, SourceLocation owner, System.Collections.Immutable.ImmutableArray<string> subnets)
    {
        for (var i = 0; i < subnets.Length; i++)
        {
            if (!NetAddress.IsIpOrCidr(subnets[i]))
            {
                r.Error(owner, $"destinationSubnets[{i}]", $"\"{subnets[i]}\" is not a valid IP address or CIDR block");
            }
        }
    }
}
