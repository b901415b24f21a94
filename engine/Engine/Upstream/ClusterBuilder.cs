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
    public static Dictionary<string, Cluster> Build(ServiceRegistry registry, DestinationRuleIndex rules, UpstreamPools.Generation pools, IRandomSource random, TimeProvider time)
    {
        var clusters = new Dictionary<string, Cluster>(StringComparer.Ordinal);
        foreach (var service in registry.Services)
        {
            var rule = rules.Find(service.Host);
            foreach (var port in service.Ports)
            {
                Add(clusters, service, port, subset: null, rule, pools, random, time);
                if (rule is null)
                {
                    continue;
                }

                foreach (var subset in rule.Subsets)
                {
                    Add(clusters, service, port, subset, rule, pools, random, time);
                }
            }
        }

        return clusters;
    }

    private static void Add(Dictionary<string, Cluster> clusters, MeshService service, ServicePortInfo port, Subset? subset, DestinationRule? rule, UpstreamPools.Generation pools, IRandomSource random, TimeProvider time)
    {
        var name = Cluster.NameFor(port.Number, subset?.Name, service.Host);
        if (clusters.ContainsKey(name))
        {
            return;
        }

        var policy = EffectiveTrafficPolicy.Resolve(rule?.TrafficPolicy, subset, port.Number);
        var settings = PoolSettings(policy.ConnectionPool);
        var breaker = pools.Breaker(name, Thresholds(policy.ConnectionPool));
        var outlier = pools.Outlier(name, Resilience.OutlierSettings.From(policy.OutlierDetection), time);
        var selector = (IReadOnlyDictionary<string, string>?)subset?.Labels ?? new Dictionary<string, string>();
        var endpoints = service.Instances
            .Where(i => i.HasLabels(selector))
            .Select(i =>
            {
                var address = new IPEndPoint(i.Address, i.PortFor(port));
                return new Endpoint(address, i.Labels, i.Weight, pools.Get(name, address, settings, breaker));
            })
            .ToArray();
        outlier?.Bind(endpoints);
        clusters[name] = new Cluster(name, service.Host, port.Number, subset?.Name, endpoints, Balancer(policy.LoadBalancer, random, endpoints), settings, breaker, outlier)
        {
            Hashing = HashPolicy.From(policy.LoadBalancer?.ConsistentHash),
            Protocol = UpstreamProtocols.For(port, policy.ConnectionPool?.Http?.H2UpgradePolicy ?? H2UpgradePolicy.Default),
            UseDownstreamProtocol = policy.ConnectionPool?.Http?.UseClientProtocol ?? false,
            OriginalDestination = policy.LoadBalancer?.Simple == SimpleLb.Passthrough,
        };
    }

    private static ILoadBalancer Balancer(LoadBalancerSettings? settings, IRandomSource random, Endpoint[] endpoints)
    {
        if (settings?.ConsistentHash is { } hash)
        {
            // ringHash is the default; the deprecated top-level minimumRingSize still sizes a ring.
            return hash.Maglev is { } maglev
                ? new ConsistentHashBalancer(endpoints, random, maglev: true, (long)maglev.TableSize)
                : new ConsistentHashBalancer(endpoints, random, maglev: false, (long)(hash.RingHash?.MinimumRingSize ?? hash.MinimumRingSize));
        }

        return settings?.Simple switch
        {
            SimpleLb.RoundRobin => new RoundRobinBalancer(random),
            SimpleLb.Random => new RandomBalancer(random),
            SimpleLb.Passthrough => new RoundRobinBalancer(random), // only where there is no original destination (explicit mode)
            _ => new LeastRequestBalancer(random), // UNSPECIFIED, LEAST_REQUEST, LEAST_CONN
        };
    }

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

        if (pool.Tcp?.MaxConnectionDuration is { } duration && duration > TimeSpan.Zero)
        {
            settings = settings with { MaxConnectionDuration = duration };
        }

        if (pool.Tcp?.TcpKeepalive is { } keepalive)
        {
            settings = settings with { TcpKeepalive = new TcpKeepaliveSettings((int)keepalive.Probes, keepalive.Time, keepalive.Interval) };
        }

        return settings;
    }

    /// <summary>Istio's circuit-breaker thresholds: every limit set, 2^32−1 where the DestinationRule leaves it 0/unset.</summary>
    private static Resilience.CircuitBreakerThresholds Thresholds(ConnectionPoolSettings? pool)
    {
        static long Limit(int value) => value > 0 ? value : Resilience.CircuitBreakerThresholds.Unlimited;
        return pool is null
            ? Resilience.CircuitBreakerThresholds.Default
            : new Resilience.CircuitBreakerThresholds(
                Limit(pool.Tcp?.MaxConnections ?? 0),
                Limit(pool.Http?.Http1MaxPendingRequests ?? 0),
                Limit(pool.Http?.Http2MaxRequests ?? 0),
                Limit(pool.Http?.MaxRetries ?? 0));
    }
}
