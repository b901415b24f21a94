using Engine.Proxy;
using Engine.Upstream;

namespace Engine.Interception;

/// <summary>
/// Chooses the upstream of an intercepted non-HTTP connection (Envoy's outbound TCP and TLS filter
/// chains, istio-semantics.md §3.14 and §7.3): for a known service, the first <c>tls[]</c> rule
/// whose server name (and port/subnet) match holds, then the first <c>tcp[]</c> rule whose
/// port/subnet match holds, picks a weighted destination, else the service's default cluster; a
/// <c>resolution: NONE</c> cluster connects to the original destination; an unknown destination
/// passes through (ALLOW_ANY) or is closed (REGISTRY_ONLY, BlackHoleCluster). The decision
/// carries the chosen cluster (its maxConnections, outlier detection, connect timeout and
/// keepalive apply, see <see cref="L4Forwarder"/>) and the tcp_proxy idle timeout and maximum
/// duration of the rule's first destination host (<see cref="TcpProxySettings"/>).
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
        var first = cluster; // whose host's DestinationRule gives the tcp_proxy settings (Istio: route[0]'s)
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
                    first = FirstCluster(rule, servicePort);
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
                first = FirstCluster(rule, servicePort);
                break;
            }
        }

        if (cluster is null)
        {
            return TcpDecision.Reject(Cluster.NameFor(servicePort, null, target.Service.Host), route, "cluster not found", "NC");
        }

        var proxy = (first ?? cluster).TcpProxy;
        if (config.Destinations.IsOriginalDestination(cluster, out var targetPort))
        {
            var address = new System.Net.IPEndPoint(destination.Address, targetPort > 0 ? targetPort : destination.Port);
            return TcpDecision.Connect(address, cluster, route, null, proxy);
        }

        // Of the consistent-hash keys only the client's address exists below HTTP (Istio hashes a
        // TCP proxy on it when useSourceIp is set); other keys leave the pick random, as in Envoy.
        var endpoint = cluster.Pick(cluster.Hashing?.ForConnection(client));
        return endpoint is null
            ? TcpDecision.Reject(cluster.Name, route, "no healthy upstream", "UH")
            : TcpDecision.Connect(endpoint.Address, cluster, route, endpoint, proxy);
    }

    /// <summary>The cluster of a rule's first destination (weighted or not): Istio takes the tcp_proxy settings from its host's DestinationRule.</summary>
    private static Cluster? FirstCluster(TcpRouteRule rule, int servicePort)
        => rule.Action.Destinations.Length == 0 ? null : rule.Action.Destinations[0].Resolve(servicePort);
}
