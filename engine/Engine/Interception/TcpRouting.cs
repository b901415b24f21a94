using Engine.Proxy;
using Engine.Upstream;

namespace Engine.Interception;

/// <summary>
/// Chooses the upstream of an intercepted non-HTTP connection (Envoy's outbound TCP and TLS filter
/// chains, istio-semantics.md §3.14 and §7.3): for a known service, the first <c>tls[]</c> rule
/// whose server name (and port/subnet) match holds, then the first <c>tcp[]</c> rule whose
/// port/subnet match holds, picks a weighted destination, else the service's default cluster; a
/// <c>resolution: NONE</c> cluster connects to the original destination; an unknown destination
/// passes through (ALLOW_ANY) or is closed (REGISTRY_ONLY, BlackHoleCluster).
/// </summary>
internal static class TcpRouting
{
    public static TcpDecision Decide(RuntimeConfig config, OriginalDestination destination, ServiceTarget? target, TransparentOptions options, IRandomSource random, System.Net.EndPoint? client = null, string? serverName = null)
    {
        if (target is null)
        {
            return options.OutboundPolicy == OutboundPolicy.AllowAny
                ? TcpDecision.Connect(destination.EndPoint, InterceptedConnection.PassthroughClusterName, "allow_any", null, options.ConnectTimeout)
                : TcpDecision.Reject(InterceptedConnection.BlackHoleClusterName, "block_all", "not in the registry and the outbound policy is REGISTRY_ONLY", "UH");
        }

        var servicePort = target.Port.Number;
        var cluster = target.DefaultCluster;
        var route = "default";
        // tls[] rules first, on the server name the ClientHello asked for; then tcp[] rules.
        var matched = false;
        if (serverName is not null)
        {
            foreach (var rule in target.TlsRules)
            {
                if (rule.AppliesTo(servicePort, destination.Address, serverName))
                {
                    route = rule.Name;
                    cluster = rule.Action.Pick(random)?.Resolve(servicePort);
                    matched = true;
                    break;
                }
            }
        }

        foreach (var rule in matched ? [] : target.TcpRules)
        {
            if (rule.AppliesTo(servicePort, destination.Address))
            {
                route = rule.Name;
                cluster = rule.Action.Pick(random)?.Resolve(servicePort);
                break;
            }
        }

        if (cluster is null)
        {
            return TcpDecision.Reject(Cluster.NameFor(servicePort, null, target.Service.Host), route, "cluster not found", "NC");
        }

        if (config.Destinations.IsOriginalDestination(cluster, out var targetPort))
        {
            var address = new System.Net.IPEndPoint(destination.Address, targetPort > 0 ? targetPort : destination.Port);
            return TcpDecision.Connect(address, cluster.Name, route, null, cluster.Settings.ConnectTimeout, cluster.Settings.TcpKeepalive);
        }

        // Of the consistent-hash keys only the client's address exists below HTTP (Istio hashes a
        // TCP proxy on it when useSourceIp is set); other keys leave the pick random, as in Envoy.
        var endpoint = cluster.Pick(cluster.Hashing?.ForConnection(client));
        return endpoint is null
            ? TcpDecision.Reject(cluster.Name, route, "no healthy upstream", "UH")
            : TcpDecision.Connect(endpoint.Address, cluster.Name, route, endpoint, cluster.Settings.ConnectTimeout, cluster.Settings.TcpKeepalive);
    }
}
