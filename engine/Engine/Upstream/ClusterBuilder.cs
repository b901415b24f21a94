using System.Net;
using Engine.Config.Model;
using Engine.Config;
using Engine.Upstream.Dns;
using Engine.Upstream.LoadBalancing;
using Engine.Upstream.Locality;
using Engine.Upstream.Registry;

namespace Engine.Upstream;

/// <summary>
/// Builds Envoy's clusters from the registry and DestinationRules: one
/// <c>outbound|port||host</c> per service port and one <c>outbound|port|subset|host</c> per
/// subset, each with the endpoints whose labels contain the subset's and the policy that the
/// precedence rules give it. A DYNAMIC_DNS service's clusters have no endpoints of their own but a
/// <see cref="DynamicForwardProxy"/>, primed with the names already in the DNS cache.
/// </summary>
internal static class ClusterBuilder
{
    public static Dictionary<string, Cluster> Build(ServiceRegistry registry, DestinationRuleIndex rules, UpstreamPools.Generation pools, IRandomSource random, TimeProvider time, DynamicHostCache? dynamicHosts = null, ProxyWhereabouts? proxy = null, Tls.WorkloadCertificates? workload = null)
    {
        var clusters = new Dictionary<string, Cluster>(StringComparer.Ordinal);
        var tls = new Tls.UpstreamTlsBuilder(workload);
        foreach (var service in registry.Services)
        {
            var rule = rules.Find(service);
            foreach (var port in service.Ports)
            {
                Add(clusters, service, port, subset: null, rule, pools, random, time, dynamicHosts, proxy, tls);
                if (rule is null)
                {
                    continue;
                }

                foreach (var subset in rule.Subsets)
                {
                    Add(clusters, service, port, subset, rule, pools, random, time, dynamicHosts, proxy, tls);
                }
            }
        }

        return clusters;
    }

    private static void Add(Dictionary<string, Cluster> clusters, MeshService service, ServicePortInfo port, Subset? subset, DestinationRule? rule, UpstreamPools.Generation pools, IRandomSource random, TimeProvider time, DynamicHostCache? dynamicHosts, ProxyWhereabouts? proxy, Tls.UpstreamTlsBuilder tls)
    {
        var name = Cluster.NameFor(port.Number, subset?.Name, service.Host);
        if (clusters.ContainsKey(name))
        {
            return;
        }

        var policy = EffectiveTrafficPolicy.Resolve(rule?.TrafficPolicy, subset, port.Number);
        var settings = PoolSettings(policy.ConnectionPool);
        var istioSni = $"outbound_.{port.Number}_.{subset?.Name}_.{service.Host}"; // Istio's BuildDNSSrvSubsetKey
        var origination = policy.Tls?.Mode == TlsMode.IstioMutual
            ? tls.IstioMutual(policy.Tls, istioSni, service.ServiceAccounts)
            : tls.For(policy.Tls, service.Host);
        if (origination is not null)
        {
            settings = settings with { Tls = origination };
        }

        // Auto mTLS (Istio's default, enableAutoMtls): without a tls setting, a MESH_INTERNAL
        // service's workloads that have a sidecar get ISTIO_MUTUAL and the others plaintext, one
        // endpoint at a time (Envoy's transport socket match on the tlsMode label). Not for
        // passthrough clusters, as Istio leaves ORIGINAL_DST out.
        var autoMtls = policy.Tls is null && service.MeshInternal && tls.HasWorkloadIdentity && policy.LoadBalancer?.Simple != SimpleLb.Passthrough
            && service.Resolution != ServiceEntryResolution.None
            ? settings with { Tls = tls.IstioMutual(null, istioSni, service.ServiceAccounts) }
            : null;

        var breaker = pools.Breaker(name, Thresholds(policy.ConnectionPool, policy.RetryBudget));
        var outlier = pools.Outlier(name, Resilience.OutlierSettings.From(policy.OutlierDetection), time);
        var selector = (IReadOnlyDictionary<string, string>?)subset?.Labels ?? new Dictionary<string, string>();
        var joinedAt = pools.HadCluster(name) ? time.GetTimestamp() : (long?)null; // for addresses new to a running cluster
        var endpoints = service.Instances
            .Where(i => i.HasLabels(selector))
            .Select(i => pools.Endpoint(name, new IPEndPoint(i.Address, i.PortFor(port)), i.Labels, i.Weight, autoMtls is not null && i.TakesIstioMutual ? autoMtls : settings, breaker, joinedAt))
            .ToArray();
        if (outlier is null)
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.Health = null; // an endpoint kept from a configuration that had outlier detection
            }
        }

        outlier?.Bind(endpoints);
        var protocol = UpstreamProtocols.For(port, policy.ConnectionPool?.Http?.H2UpgradePolicy ?? H2UpgradePolicy.Default);
        var slowStart = SlowStart.From(policy.LoadBalancer, time);
        var cluster = new Cluster(name, service.Host, port.Number, subset?.Name, endpoints, Balancer(policy.LoadBalancer, random, endpoints, slowStart), settings, breaker, outlier)
        {
            Hashing = HashPolicy.From(policy.LoadBalancer?.ConsistentHash),
            Protocol = protocol,
            UseDownstreamProtocol = policy.ConnectionPool?.Http?.UseClientProtocol ?? false,
            OriginalDestination = policy.LoadBalancer?.Simple == SimpleLb.Passthrough,
            Localities = proxy is null ? null : LocalityGroups.Build(
                endpoints,
                service.Instances.Where(i => i.HasLabels(selector)).Select(i => i.Locality).ToArray(), // the endpoints' order
                LocalityName.Parse(proxy.Locality),
                proxy.Labels,
                policy.LoadBalancer?.LocalityLbSetting,
                minHealthPercent: outlier?.Settings.MinHealthPercent,
                LocalityBalancer(policy.LoadBalancer, random, slowStart),
                HashTable(policy.LoadBalancer, random),
                random),
            TcpProxy = TcpProxySettings.From(rule?.TrafficPolicy),
            ProxyProtocol = policy.ProxyProtocol?.Version,
            Tunnel = policy.Tunnel is { } tunnel ? Interception.HttpTunnel.Target(tunnel) : null,
        };
        if (service.Resolution == ServiceEntryResolution.DynamicDns && dynamicHosts is not null)
        {
            cluster = Dynamic(cluster, service, port, subset, pools, random, dynamicHosts);
        }

        clusters[name] = cluster;
    }

    /// <summary>
    /// A DYNAMIC_DNS cluster: no endpoints of its own, and per-name clusters for the names the
    /// cache already resolved that this service's host matches, their pools and endpoints taken
    /// through the generation so that warm connections survive reloads. A subset with labels
    /// selects nothing (dynamic hosts carry none): 503 UH, as an empty subset is everywhere.
    /// Per-name clusters have no outlier detection and no consistent hash (one endpoint each).
    /// </summary>
    private static Cluster Dynamic(Cluster parent, MeshService service, ServicePortInfo port, Subset? subset, UpstreamPools.Generation pools, IRandomSource random, DynamicHostCache cache)
    {
        if (subset is { Labels.Count: > 0 })
        {
            return parent;
        }

        var proxy = new DynamicForwardProxy(parent, cache, pools.Owner, random) { TargetPort = port.TargetPort > 0 ? port.TargetPort : port.Number };
        foreach (var host in cache.Hosts)
        {
            if (host.Address is { } address && IstioHost.Matches(service.Host, host.Name))
            {
                var endpoint = pools.Endpoint(parent.Name, new IPEndPoint(address, proxy.TargetPort), NoLabels, 1, DynamicForwardProxy.SettingsFor(parent.Settings, host.Name), parent.Breaker);
                proxy.Add(host.Name, DynamicForwardProxy.For(parent, endpoint, random));
            }
        }

        return new Cluster(parent.Name, parent.Host, parent.Port, parent.Subset, [], parent.Balancer, parent.Settings, parent.Breaker)
        {
            Protocol = parent.Protocol,
            UseDownstreamProtocol = parent.UseDownstreamProtocol,
            TcpProxy = parent.TcpProxy,
            Dynamic = proxy,
        };
    }

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private static ILoadBalancer Balancer(LoadBalancerSettings? settings, IRandomSource random, Endpoint[] endpoints, SlowStart? slowStart = null)
    {
        if (settings?.ConsistentHash is { } hash)
        {
            return ConsistentHash(hash, random, endpoints, weights: null);
        }

        return settings?.Simple switch
        {
            SimpleLb.RoundRobin => new RoundRobinBalancer(random, slowStart),
            SimpleLb.Random => new RandomBalancer(random),
            SimpleLb.Passthrough => new RoundRobinBalancer(random), // only where there is no original destination (explicit mode)
            _ => new LeastRequestBalancer(random, slowStart), // UNSPECIFIED, LEAST_REQUEST, LEAST_CONN
        };
    }

    private static ConsistentHashBalancer ConsistentHash(ConsistentHashLb hash, IRandomSource random, Endpoint[] endpoints, IReadOnlyList<double>? weights)
    {
        // ringHash is the default; the deprecated top-level minimumRingSize still sizes a ring.
        return hash.Maglev is { } maglev
            ? new ConsistentHashBalancer(endpoints, random, maglev: true, (long)maglev.TableSize, weights)
            : new ConsistentHashBalancer(endpoints, random, maglev: false, (long)(hash.RingHash?.MinimumRingSize ?? hash.MinimumRingSize), weights);
    }

    /// <summary>
    /// What picks within a locality: the cluster's policy, except under a consistent hash, where a
    /// key goes through its level's table and only a request without one comes here: at random,
    /// as in Envoy (and no table is built per locality).
    /// </summary>
    private static Func<Endpoint[], ILoadBalancer> LocalityBalancer(LoadBalancerSettings? settings, IRandomSource random, SlowStart? slowStart)
        => settings?.ConsistentHash is null ? group => Balancer(settings, random, group, slowStart) : _ => new RandomBalancer(random);

    /// <summary>A priority level's consistent-hash table, under a consistent hash (Envoy builds one per priority).</summary>
    private static Func<Endpoint[], IReadOnlyList<double>?, ConsistentHashBalancer>? HashTable(LoadBalancerSettings? settings, IRandomSource random)
        => settings?.ConsistentHash is { } hash ? (endpoints, weights) => ConsistentHash(hash, random, endpoints, weights) : null;

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

        if (pool.Http?.MaxConcurrentStreams is > 0 and var streams)
        {
            settings = settings with { MaxConcurrentStreams = streams };
        }

        if (pool.Tcp?.MaxConnectionDuration is { } duration && duration > TimeSpan.Zero)
        {
            settings = settings with { MaxConnectionDuration = duration };
        }

        // Validation requires both; a PING interval or timeout of zero would be no keep-alive at all.
        if (pool.Http?.Http2KeepAlive is { Interval: { } interval, Timeout: { } timeout } && interval > TimeSpan.Zero && timeout > TimeSpan.Zero)
        {
            settings = settings with { Http2KeepAlive = new Http2KeepAliveSettings(interval, timeout) };
        }

        if (pool.Tcp?.TcpKeepalive is { } keepalive)
        {
            settings = settings with { TcpKeepalive = new TcpKeepaliveSettings((int)keepalive.Probes, keepalive.Time, keepalive.Interval) };
        }

        return settings;
    }

    /// <summary>
    /// Istio's circuit-breaker thresholds: every limit set, 2^32−1 where the DestinationRule leaves it
    /// 0/unset; a <c>retryBudget</c> with its defaults (20%, at least 3) for what it leaves unset.
    /// </summary>
    private static Resilience.CircuitBreakerThresholds Thresholds(ConnectionPoolSettings? pool, RetryBudget? budget)
    {
        static long Limit(int value) => value > 0 ? value : Resilience.CircuitBreakerThresholds.Unlimited;
        var thresholds = pool is null
            ? Resilience.CircuitBreakerThresholds.Default
            : new Resilience.CircuitBreakerThresholds(
                Limit(pool.Tcp?.MaxConnections ?? 0),
                Limit(pool.Http?.Http1MaxPendingRequests ?? 0),
                Limit(pool.Http?.Http2MaxRequests ?? 0),
                Limit(pool.Http?.MaxRetries ?? 0));
        return budget is null
            ? thresholds
            : thresholds with
            {
                RetryBudgetPercent = budget.Percent ?? Resilience.CircuitBreakerThresholds.DefaultBudgetPercent,
                MinRetryConcurrency = budget.MinRetryConcurrency ?? Resilience.CircuitBreakerThresholds.DefaultMinRetryConcurrency,
            };
    }
}
