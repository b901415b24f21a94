using System.Net;
using Engine.Config.Model;
using Engine.Upstream.LoadBalancing;
using Engine.Upstream.Registry;

namespace Engine.Upstream;

/// <summary>
/// Builds Envoy's clusters from the registry and DestinationRules: one
/// <c>outbound|port||host</c> per service port and one <c>outbound|port|subset|host</c> per
/// subset, each with the endpoints whose labels contain the subset's and the policy that the
/// precedence rules give it.
/// </summary>
internal static class ClusterBuilder
{
    public static Dictionary<string, Cluster> Build(ServiceRegistry registry, DestinationRuleIndex rules, UpstreamPools.Generation pools, IRandomSource random)
    {
        var clusters = new Dictionary<string, Cluster>(StringComparer.Ordinal);
        foreach (var service in registry.Services)
        {
            var rule = rules.Find(service.Host);
            foreach (var port in service.Ports)
            {
                Add(clusters, service, port, subset: null, rule, pools, random);
                if (rule is null)
                {
                    continue;
                }

                foreach (var subset in rule.Subsets)
                {
                    Add(clusters, service, port, subset, rule, pools, random);
                }
            }
        }

        return clusters;
    }

    private static void Add(Dictionary<string, Cluster> clusters, MeshService service, ServicePortInfo port, Subset? subset, DestinationRule? rule, UpstreamPools.Generation pools, IRandomSource random)
    {
        var name = Cluster.NameFor(port.Number, subset?.Name, service.Host);
        if (clusters.ContainsKey(name))
        {
            return;
        }

        var policy = EffectiveTrafficPolicy.Resolve(rule?.TrafficPolicy, subset, port.Number);
        var settings = PoolSettings(policy.ConnectionPool);
        var selector = (IReadOnlyDictionary<string, string>?)subset?.Labels ?? new Dictionary<string, string>();
        var endpoints = service.Instances
            .Where(i => i.HasLabels(selector))
            .Select(i =>
            {
                var address = new IPEndPoint(i.Address, i.PortFor(port));
                return new Endpoint(address, i.Labels, i.Weight, pools.Get(name, address, settings));
            })
            .ToArray();
        clusters[name] = new Cluster(name, service.Host, port.Number, subset?.Name, endpoints, Balancer(policy.LoadBalancer, random), settings);
    }

    private static ILoadBalancer Balancer(LoadBalancerSettings? settings, IRandomSource random) => settings?.Simple switch
    {
        SimpleLb.RoundRobin => new RoundRobinBalancer(random),
        SimpleLb.Random => new RandomBalancer(random),
        // UNSPECIFIED, LEAST_REQUEST, LEAST_CONN, and (until consistent hashing lands) consistentHash.
        _ => new LeastRequestBalancer(random),
    };

    private static UpstreamPoolSettings PoolSettings(ConnectionPoolSettings? pool)
    {
        if (pool is null)
        {
            return UpstreamPoolSettings.Default;
        }

        var settings = UpstreamPoolSettings.Default;
        if (pool.Tcp?.ConnectTimeout is { } connect)
        {
            settings = settings with { ConnectTimeout = connect };
        }

        if ((pool.Http?.IdleTimeout ?? pool.Tcp?.IdleTimeout) is { } idle)
        {
            settings = settings with { IdleTimeout = idle };
        }

        if (pool.Http?.MaxRequestsPerConnection is > 0 and var perConnection)
        {
            settings = settings with { MaxRequestsPerConnection = perConnection };
        }

        return settings;
    }
}
