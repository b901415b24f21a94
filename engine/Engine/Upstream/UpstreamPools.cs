using System.Net;

namespace Engine.Upstream;

/// <summary>
/// Connection pools outlive configurations: a reload that keeps a cluster's endpoint keeps its
/// pool, so warm keep-alive connections survive config swaps. Pools whose endpoint disappeared
/// are closed once the new configuration is published. Endpoints outlive them too: an endpoint
/// whose address, labels and weight stay is the same object in the new configuration, so its
/// in-flight count (what least-request balances on) carries over a reload or a DNS change.
/// </summary>
internal sealed class UpstreamPools : IDisposable
{
    private readonly UpstreamConnector _connector;
    private readonly Lock _lock = new();
    private Dictionary<(string Cluster, IPEndPoint Address), Http1ConnectionPool> _pools = new();
    private Dictionary<string, Resilience.ClusterCircuitBreaker> _breakers = new(StringComparer.Ordinal);
    private Dictionary<string, Resilience.OutlierDetector> _outliers = new(StringComparer.Ordinal);
    private Dictionary<(string Cluster, IPEndPoint Address), Endpoint> _endpoints = new();

    public UpstreamPools(UpstreamConnector connector) => _connector = connector;

    public IEnumerable<Http1ConnectionPool> All
    {
        get
        {
            lock (_lock)
            {
                return _pools.Values.ToArray();
            }
        }
    }

    /// <summary>Starts a generation: pools requested through it are kept, the rest closed by <see cref="Retire"/>.</summary>
    public Generation Begin() => new(this);

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var pool in _pools.Values)
            {
                pool.CloseIdle();
            }

            foreach (var outlier in _outliers.Values)
            {
                outlier.Dispose();
            }

            _pools.Clear();
            _outliers.Clear();
            _endpoints.Clear();
        }

        _connector.Dispose();
    }

    /// <summary>
    /// A pool made after the configuration was published (a DYNAMIC_DNS name seen for the first
    /// time, or at a new address): swept like the others, and kept by the next configuration if it
    /// still has the name (<see cref="Generation.Get"/> finds it), else retired with the rest.
    /// </summary>
    public Http1ConnectionPool Adopt(string cluster, IPEndPoint address, UpstreamPoolSettings settings, Resilience.ClusterCircuitBreaker? breaker)
    {
        lock (_lock)
        {
            var key = (cluster, address);
            if (!_pools.TryGetValue(key, out var pool) || pool.Settings != settings || (breaker is not null && pool.Breaker != breaker))
            {
                pool = new Http1ConnectionPool(address, _connector, settings, breaker);
                _pools[key] = pool;
            }

            return pool;
        }
    }

    /// <summary>Sweeps every pool for idle connections that expired or were closed by the upstream.</summary>
    public void Sweep(long nowTimestamp)
    {
        foreach (var pool in All)
        {
            pool.Sweep(nowTimestamp);
        }
    }

    internal sealed class Generation
    {
        private readonly UpstreamPools _owner;
        private readonly Dictionary<(string, IPEndPoint), Http1ConnectionPool> _next = new();

        public Generation(UpstreamPools owner) => _owner = owner;

        /// <summary>The pools themselves, for what a configuration adds after it is published (<see cref="Adopt"/>).</summary>
        public UpstreamPools Owner => _owner;

        private readonly Dictionary<string, Resilience.ClusterCircuitBreaker> _nextBreakers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Resilience.OutlierDetector> _nextOutliers = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, IPEndPoint), Endpoint> _nextEndpoints = new();

        /// <summary>
        /// The endpoint of <paramref name="cluster"/> at <paramref name="address"/>: the running
        /// configuration's own when nothing about it changed (same pool, labels and weight), else a
        /// new one — which keeps the old one's join time, or joins at <paramref name="joinedAt"/>
        /// when the address is new to the cluster (null while the cluster is first built).
        /// </summary>
        public Endpoint Endpoint(string cluster, IPEndPoint address, IReadOnlyDictionary<string, string> labels, int weight, UpstreamPoolSettings settings, Resilience.ClusterCircuitBreaker? breaker, long? joinedAt = null)
        {
            var pool = Get(cluster, address, settings, breaker);
            var key = (cluster, address);
            Endpoint? endpoint = null;
            if (!_nextEndpoints.ContainsKey(key))
            {
                lock (_owner._lock)
                {
                    if (_owner._endpoints.TryGetValue(key, out var current))
                    {
                        joinedAt = current.JoinedAt;
                        if (current.Pool == pool && current.Weight == weight && SameLabels(current.Labels, labels))
                        {
                            endpoint = current;
                        }
                    }
                }
            }

            // The same address twice in one cluster (two workloads on one IP) stays two endpoints.
            endpoint ??= new Endpoint(address, labels, weight, pool) { JoinedAt = joinedAt };
            _nextEndpoints.TryAdd(key, endpoint);
            return endpoint;
        }

        /// <summary>Whether the running configuration has <paramref name="cluster"/> (a new one's endpoints were there from its start).</summary>
        public bool HadCluster(string cluster)
        {
            lock (_owner._lock)
            {
                return _owner._breakers.ContainsKey(cluster);
            }
        }

        private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            foreach (var (key, value) in a)
            {
                if (!b.TryGetValue(key, out var other) || other != value)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The cluster's circuit breaker, kept across reloads (its counts are live), with the new thresholds.</summary>
        public Resilience.ClusterCircuitBreaker Breaker(string cluster, Resilience.CircuitBreakerThresholds thresholds)
        {
            lock (_owner._lock)
            {
                if (!_owner._breakers.TryGetValue(cluster, out var breaker))
                {
                    breaker = new Resilience.ClusterCircuitBreaker(thresholds);
                }

                breaker.Thresholds = thresholds;
                _nextBreakers[cluster] = breaker;
                return breaker;
            }
        }

        /// <summary>The cluster's outlier detector, kept across reloads while its settings stay the same.</summary>
        public Resilience.OutlierDetector? Outlier(string cluster, Resilience.OutlierSettings? settings, TimeProvider time)
        {
            if (settings is null)
            {
                return null;
            }

            lock (_owner._lock)
            {
                if (!_owner._outliers.TryGetValue(cluster, out var outlier) || outlier.Settings != settings)
                {
                    outlier = new Resilience.OutlierDetector(settings, time);
                }

                _nextOutliers[cluster] = outlier;
                return outlier;
            }
        }

        public Http1ConnectionPool Get(string cluster, IPEndPoint address, UpstreamPoolSettings settings, Resilience.ClusterCircuitBreaker? breaker = null)
        {
            var key = (cluster, address);
            if (_next.TryGetValue(key, out var pool))
            {
                return pool;
            }

            lock (_owner._lock)
            {
                if (!_owner._pools.TryGetValue(key, out pool) || pool.Settings != settings || (breaker is not null && pool.Breaker != breaker))
                {
                    pool = new Http1ConnectionPool(address, _owner._connector, settings, breaker);
                }
            }

            _next[key] = pool;
            return pool;
        }

        /// <summary>Makes this generation current and closes the idle connections of pools it dropped.</summary>
        public void Commit()
        {
            List<Http1ConnectionPool> retired;
            lock (_owner._lock)
            {
                retired = _owner._pools.Where(p => !_next.TryGetValue(p.Key, out var kept) || kept != p.Value).Select(p => p.Value).ToList();
                _owner._pools = new Dictionary<(string, IPEndPoint), Http1ConnectionPool>(_next);
                foreach (var (name, outlier) in _owner._outliers)
                {
                    if (!_nextOutliers.TryGetValue(name, out var kept) || kept != outlier)
                    {
                        outlier.Dispose();
                    }
                }

                _owner._outliers = new Dictionary<string, Resilience.OutlierDetector>(_nextOutliers, StringComparer.Ordinal);
                _owner._breakers = new Dictionary<string, Resilience.ClusterCircuitBreaker>(_nextBreakers, StringComparer.Ordinal);
                _owner._endpoints = new Dictionary<(string, IPEndPoint), Endpoint>(_nextEndpoints);
            }

            foreach (var pool in retired)
            {
                pool.Retire();
            }
        }
    }
}
