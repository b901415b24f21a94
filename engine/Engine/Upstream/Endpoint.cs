using System.Net;

namespace Engine.Upstream;

/// <summary>
/// One upstream host of one cluster (Envoy keeps hosts per cluster too: a subset cluster has its
/// own counters and pool). Mutable state is only Interlocked counters and the pool.
/// </summary>
internal sealed class Endpoint
{
    private int _activeRequests;

    public Endpoint(IPEndPoint address, IReadOnlyDictionary<string, string> labels, int weight, Http1ConnectionPool pool)
    {
        Address = address;
        Labels = labels;
        Weight = weight;
        Pool = pool;
    }

    public IPEndPoint Address { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Load-balancing weight (ServiceEntry endpoint / WorkloadEntry <c>weight</c>, default 1).</summary>
    public int Weight { get; }

    public Http1ConnectionPool Pool { get; }

    /// <summary>
    /// When the endpoint joined its cluster (a timestamp of the configuration's TimeProvider), if
    /// that was after the cluster was first built; null for an endpoint there from the start. Slow
    /// start (<see cref="LoadBalancing.SlowStart"/>) counts from it.
    /// </summary>
    public long? JoinedAt { get; init; }

    /// <summary>Passive health state when the cluster has outlier detection; null otherwise.</summary>
    public Resilience.EndpointHealth? Health { get; set; }

    /// <summary>Requests in flight to this endpoint (what least-request compares).</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public void RequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void RequestFinished() => Interlocked.Decrement(ref _activeRequests);

    public override string ToString() => Address.ToString();
}
