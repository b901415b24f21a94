using System.Collections.Frozen;
using System.Net;
using System.Text;
using Engine.Config;
using Engine.Config.Model;
using Engine.Routing;
using Engine.Upstream;
using Engine.Upstream.Registry;

namespace Engine.Interception;

/// <summary>
/// Which service an original destination (IP and port) belongs to, compiled with each
/// configuration (istio-semantics.md §5.1, §7.3):
/// <list type="number">
/// <item>a ServiceEntry <c>addresses</c> VIP on one of its ports;</item>
/// <item>an endpoint address on the endpoint's port for a service port;</item>
/// <item>a ServiceEntry <c>addresses</c> CIDR on one of its ports;</item>
/// <item>for a service without addresses on a TLS or HTTPS port, the ClientHello's server name
/// against the service hosts (exact, then the longest wildcard), as the server_names of Envoy's
/// <c>0.0.0.0:port</c> filter chains: a name no service has is an unknown destination;</item>
/// <item>for a service without addresses, a non-HTTP port alone (Envoy's <c>0.0.0.0:port</c>
/// listener: such a port must not be shared with another service).</item>
/// </list>
/// The oldest ServiceEntry wins a tie, as in the registry. Also records the clusters of
/// <c>resolution: NONE</c> services, which connect to the original destination itself.
/// </summary>
internal sealed class DestinationIndex
{
    private readonly FrozenDictionary<IPEndPoint, ServiceTarget> _byAddress;
    private readonly (IPNetwork Network, int Port, ServiceTarget Target)[] _byNetwork;
    private readonly FrozenDictionary<int, ServiceTarget> _byPort;
    private readonly FrozenDictionary<int, ServiceTarget[]> _byServerName;
    private readonly FrozenDictionary<string, int> _originalDestinationClusters;

    private DestinationIndex(
        Dictionary<IPEndPoint, ServiceTarget> byAddress,
        List<(IPNetwork, int, ServiceTarget)> byNetwork,
        Dictionary<int, ServiceTarget> byPort,
        Dictionary<string, int> originalDestinationClusters,
        Dictionary<int, List<ServiceTarget>>? byServerName = null)
    {
        _byAddress = byAddress.ToFrozenDictionary();
        _byNetwork = byNetwork.ToArray();
        _byPort = byPort.ToFrozenDictionary();
        _byServerName = (byServerName ?? []).ToFrozenDictionary(p => p.Key, p => p.Value.ToArray());
        _originalDestinationClusters = originalDestinationClusters.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static DestinationIndex Empty { get; } = new([], [], [], []);

    /// <summary>
    /// The service port an original destination names, or null (an unknown destination).
    /// <paramref name="serverName"/> is the TLS server name the client asked for, if known.
    /// </summary>
    public ServiceTarget? Find(IPEndPoint destination, string? serverName = null)
    {
        if (_byAddress.TryGetValue(destination, out var target))
        {
            return target;
        }

        foreach (var (network, port, candidate) in _byNetwork)
        {
            if (port == destination.Port && network.Contains(destination.Address))
            {
                return candidate;
            }
        }

        if (serverName is not null && _byServerName.TryGetValue(destination.Port, out var named))
        {
            return ByServerName(named, serverName);
        }

        return _byPort.GetValueOrDefault(destination.Port);
    }

    /// <summary>The service whose host is the name, else the one with the longest wildcard host covering it.</summary>
    private static ServiceTarget? ByServerName(ServiceTarget[] targets, string serverName)
    {
        ServiceTarget? best = null;
        foreach (var target in targets)
        {
            var host = target.Service.Host;
            if (string.Equals(host, serverName, StringComparison.OrdinalIgnoreCase))
            {
                return target;
            }

            if (IstioHost.IsWildcard(host) && IstioHost.Matches(host, serverName) && (best is null || host.Length > best.Service.Host.Length))
            {
                best = target;
            }
        }

        return best;
    }

    /// <summary>
    /// True for a cluster of a <c>resolution: NONE</c> service (Envoy ORIGINAL_DST): it has no
    /// endpoints of its own and connects to the address the app dialled, on the port's
    /// <c>targetPort</c> when one is set (<paramref name="targetPort"/> &gt; 0).
    /// </summary>
    public bool IsOriginalDestination(Cluster cluster, out int targetPort)
        => _originalDestinationClusters.TryGetValue(cluster.Name, out targetPort);

    public static DestinationIndex Build(ServiceRegistry registry, IReadOnlyDictionary<string, Cluster> clusters, RouteTable routes, TcpRouteTable tcpRoutes, TcpRouteTable? tlsRoutes = null)
    {
        var byServerName = new Dictionary<int, List<ServiceTarget>>();
        var byAddress = new Dictionary<IPEndPoint, ServiceTarget>();
        var byNetwork = new List<(IPNetwork, int, ServiceTarget)>();
        var byPort = new Dictionary<int, ServiceTarget>();
        var targets = new List<ServiceTarget>();
        foreach (var service in registry.Services)
        {
            var http = routes.FindVirtualHost(Encoding.UTF8.GetBytes(service.Host));
            var tcp = tcpRoutes.For(service.Host);
            var tls = tlsRoutes?.For(service.Host) ?? [];
            foreach (var port in service.Ports)
            {
                var target = new ServiceTarget(service, port, http, tcp, clusters.GetValueOrDefault(Cluster.NameFor(port.Number, null, service.Host)), tls);
                targets.Add(target);
                foreach (var address in service.Addresses)
                {
                    if (NetAddress.TryParseIp(address, out var ip))
                    {
                        byAddress.TryAdd(new IPEndPoint(ip, port.Number), target);
                    }
                    else if (Subnet.TryParse(address, out var network))
                    {
                        byNetwork.Add((network, port.Number, target));
                    }
                }

                if (service.Addresses.Count == 0 && !port.IsHttp)
                {
                    byPort.TryAdd(port.Number, target);
                    if (target.RoutesOnServerName)
                    {
                        (byServerName.TryGetValue(port.Number, out var list) ? list : byServerName[port.Number] = []).Add(target);
                    }
                }
            }
        }

        // Endpoint addresses after every VIP: a VIP that is also some endpoint's address names its service.
        foreach (var target in targets)
        {
            foreach (var instance in target.Service.Instances)
            {
                byAddress.TryAdd(new IPEndPoint(instance.Address, instance.PortFor(target.Port)), target);
            }
        }

        var originalDestination = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var cluster in clusters.Values)
        {
            // resolution NONE, or loadBalancer PASSTHROUGH: both are Envoy's ORIGINAL_DST.
            if (registry.Find(cluster.Host) is { } service && (service.Resolution == ServiceEntryResolution.None || cluster.OriginalDestination))
            {
                originalDestination[cluster.Name] = service.FindPort(cluster.Port)?.TargetPort ?? 0;
            }
        }

        return new DestinationIndex(byAddress, byNetwork, byPort, originalDestination, byServerName);
    }
}
