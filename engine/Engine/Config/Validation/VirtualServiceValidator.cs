using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>
/// What Istio's control plane rejects in a VirtualService (istio/istio
/// <c>pkg/config/validation/validation.go</c> <c>ValidateVirtualService</c> and <c>virtualservice.go</c>),
/// plus the warnings it emits (unreachable rules, deprecated fields) and one of ours: a
/// VirtualService bound only to gateways does nothing in a sidecar.
/// </summary>
internal static partial class VirtualServiceValidator
{
    public static void Validate(IstioResource<VirtualService> resource, ResourceReporter r)
    {
        var vs = resource.Spec;
        var s = vs.Source;

        // Hosts that failed to bind are not "no hosts": do not apply the delegate rules then.
        var isDelegate = vs.IsDelegate && !r.Failed(s, "hosts");
        if (isDelegate)
        {
            if (!vs.Gateways.IsEmpty)
            {
                r.Error(s, "gateways", "a delegate VirtualService (one without hosts) must not specify gateways");
            }

            if (!vs.Tls.IsEmpty)
            {
                r.Error(s, "tls", "a delegate VirtualService (one without hosts) must not have tls routes");
            }

            if (!vs.Tcp.IsEmpty)
            {
                r.Error(s, "tcp", "a delegate VirtualService (one without hosts) must not have tcp routes");
            }
        }

        GatewayNames(r, s, "gateways", vs.Gateways);
        var appliesToMesh = vs.AppliesToMesh;
        if (appliesToMesh)
        {
            JwtClaimMatches(r, vs);
        }

        Hosts(r, vs, appliesToMesh);
        if (vs.Http.IsEmpty && vs.Tcp.IsEmpty && vs.Tls.IsEmpty)
        {
            r.Missing(s, "http, tcp or tls must be provided", "http", "tcp", "tls");
        }

        foreach (var route in vs.Http)
        {
            HttpRoute(r, route, isDelegate);
        }

        foreach (var route in vs.Tls)
        {
            TlsRoute(r, route, vs);
        }

        foreach (var route in vs.Tcp)
        {
            TcpRoute(r, route);
        }

        ExportTo(r, s, vs.ExportTo, isServiceEntry: false);
        HttpReachability(r, vs);
        TcpReachability(r, vs);
        if (!appliesToMesh)
        {
            r.Warning(s, "gateways", $"does not apply to sidecars: gateways [{string.Join(", ", vs.Gateways)}] do not include \"mesh\"");
        }
    }

    /// <summary>Hosts: valid (wildcard) domain names or IPs; <c>*</c> not for the mesh; no two hosts overlapping.</summary>
    private static void Hosts(ResourceReporter r, VirtualService vs, bool appliesToMesh)
    {
        var allValid = true;
        for (var i = 0; i < vs.Hosts.Length; i++)
        {
            var host = vs.Hosts[i];
            if (NameRules.CheckWildcardDomain(host) is { } error)
            {
                if (!NetAddress.IsIp(host))
                {
                    r.Error(vs.Source, $"hosts[{i}]", error);
                    allValid = false;
                }
            }
            else if (appliesToMesh && host == "*")
            {
                r.Error(vs.Source, $"hosts[{i}]", "wildcard host * is not allowed for virtual services bound to the mesh gateway");
                allValid = false;
            }
        }

        if (!allValid)
        {
            return;
        }

        for (var i = 0; i < vs.Hosts.Length; i++)
        {
            for (var j = i + 1; j < vs.Hosts.Length; j++)
            {
                if (IstioHost.Matches(vs.Hosts[i], vs.Hosts[j]))
                {
                    r.Error(vs.Source, $"hosts[{j}]", $"duplicate hosts in virtual service: {vs.Hosts[i]} & {vs.Hosts[j]}");
                }
            }
        }
    }

    /// <summary>Header keys <c>@request.auth.claims.*</c> are JWT-claim routing, which only gateways support.</summary>
    private static void JwtClaimMatches(ResourceReporter r, VirtualService vs)
    {
        foreach (var route in vs.Http)
        {
            foreach (var match in route.Match)
            {
                foreach (var (field, map) in new[] { ("headers", match.Headers), ("withoutHeaders", match.WithoutHeaders) })
                {
                    foreach (var key in map.Keys.Where(k => k.StartsWith(HeaderRules.JwtClaimPrefix, StringComparison.Ordinal)))
                    {
                        r.Error(match.Source, SourceLocation.Join(field, SourceLocation.KeySegment(key)), "JWT claim based routing is only supported for gateways, and this VirtualService applies to the mesh");
                    }
                }
            }
        }
    }
}
