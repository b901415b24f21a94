using System.Net;

namespace Engine.Upstream;

/// <summary>
/// Connection pools outlive configurations: a reload that keeps a cluster's endpoint keeps its
/// pool, so warm keep-alive connections survive config swaps. Pools whose endpoint disappeared
/// are closed once the new configuration is published.
/// </summary>
internal sealed class UpstreamPools : IDisposable
{
    private readonly UpstreamConnector _connector;
    private readonly Lock _lock = new();
    private Dictionary<(string Cluster, IPEndPoint Address), Http1ConnectionPool> _pools = new();

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

            _pools.Clear();
        }

        _connector.Dispose();
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

        public Http1ConnectionPool Get(string cluster, IPEndPoint address, UpstreamPoolSettings settings)
        {
            var key = (cluster, address);
            if (_next.TryGetValue(key, out var pool))
            {
                return pool;
            }

            lock (_owner._lock)
            {
                if (!_owner._pools.TryGetValue(key, out pool) || pool.Settings != settings)
                {
                    pool = new Http1ConnectionPool(address, _owner._connector, settings);
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
            }

            foreach (var pool in retired)
            {
                pool.Retire();
            }
        }
    }
}
