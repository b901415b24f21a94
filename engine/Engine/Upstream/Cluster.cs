using System.Runtime.CompilerServices;
using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream;

/// <summary>
/// Envoy's unit of upstream policy: <c>outbound|port|subset|host</c>. A subset is its own
/// cluster with its own endpoints, balancer state and connection pools (istio-semantics.md §4.1).
/// </summary>
internal sealed class Cluster
{
    public Cluster(string name, string host, int port, string? subset, Endpoint[] endpoints, ILoadBalancer balancer, UpstreamPoolSettings settings,
        Resilience.ClusterCircuitBreaker? breaker = null, Resilience.OutlierDetector? outlier = null)
    {
        Name = name;
        Host = host;
        Port = port;
        Subset = subset;
        Endpoints = endpoints;
        Balancer = balancer;
        Settings = settings;
        Breaker = breaker ?? new Resilience.ClusterCircuitBreaker(Resilience.CircuitBreakerThresholds.Default);
        Outlier = outlier;
    }

    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    public string? Subset { get; }

    public Endpoint[] Endpoints { get; }

    public ILoadBalancer Balancer { get; }

    public UpstreamPoolSettings Settings { get; }

    /// <summary>Connection-pool limits (circuit breaking) shared by every request to this cluster.</summary>
    public Resilience.ClusterCircuitBreaker Breaker { get; }

    /// <summary>Outlier detection, when the DestinationRule configures it.</summary>
    public Resilience.OutlierDetector? Outlier { get; }

    /// <summary>What the endpoints are spoken to in (see <see cref="UpstreamProtocols.For"/>).</summary>
    public UpstreamProtocol Protocol { get; init; }

    /// <summary>
    /// Speak to the endpoints in the client's protocol instead of <see cref="Protocol"/> (Envoy's
    /// use_downstream_protocol: Istio's PassthroughCluster, and <c>useClientProtocol</c>).
    /// </summary>
    public bool UseDownstreamProtocol { get; init; }

    /// <summary>
    /// <c>loadBalancer.simple: PASSTHROUGH</c>: Envoy's ORIGINAL_DST cluster. A captured request
    /// goes to the address the client dialled, not to an endpoint the balancer picks.
    /// </summary>
    public bool OriginalDestination { get; init; }

    /// <summary>
    /// Locality-aware balancing (failover priorities or <c>distribute</c> weights) when the
    /// sidecar knows its locality and the policy calls for it; null otherwise. A consistent-hash
    /// key then picks within the priority level its hash lands in.
    /// </summary>
    public Locality.LocalityBalancer? Localities { get; init; }

    /// <summary>Whether a request from a client speaking HTTP/2 (or not) goes upstream over HTTP/2.</summary>
    public bool SpeaksHttp2(bool downstreamIsHttp2) => UseDownstreamProtocol ? downstreamIsHttp2 : Protocol == UpstreamProtocol.Http2;

    /// <summary>
    /// The tcp_proxy settings of a TCP route whose (first) destination is this cluster's host:
    /// from the host's DestinationRule, top level only (see <see cref="TcpProxySettings"/>).
    /// </summary>
    public TcpProxySettings TcpProxy { get; init; } = TcpProxySettings.Default;

    /// <summary>The PROXY protocol header an L4 (TCP/TLS) connection through this cluster starts with (<c>proxyProtocol</c>); null: none.</summary>
    public Config.Model.ProxyProtocolVersion? ProxyProtocol { get; init; }

    /// <summary>The HTTP tunnel an L4 connection through this cluster asks its endpoint for (<c>tunnel</c>); null: none.</summary>
    public Interception.TunnelTarget? Tunnel { get; init; }

    /// <summary>What a request is hashed on when the balancer is a consistent hash; null otherwise.</summary>
    public HashPolicy? Hashing { get; init; }

    /// <summary>
    /// Set for a DYNAMIC_DNS service (Envoy's dynamic forward proxy cluster): the cluster has no
    /// endpoints of its own; each request goes to the cluster of its own host name.
    /// </summary>
    public DynamicForwardProxy? Dynamic { get; init; }

    /// <summary>
    /// What dumps and <c>engine explain</c> show: the endpoints, or for a DYNAMIC_DNS cluster those
    /// of the names resolved so far.
    /// </summary>
    public IEnumerable<Endpoint> ShownEndpoints => Dynamic is { } dynamic ? dynamic.HostClusters.SelectMany(c => c.Endpoints) : Endpoints;

    /// <summary>The endpoints balancing may pick now (ejected ones left out).</summary>
    public Endpoint[] Healthy => Outlier?.Healthy ?? Endpoints;

    /// <summary>The endpoints not ejected, before any panic: what locality balancing starts from.</summary>
    private Endpoint[] Available => Outlier?.Available ?? Endpoints;

    public static string NameFor(int port, string? subset, string host) => $"outbound|{port}|{subset}|{host}";

    /// <summary>Picks a healthy endpoint, or null when there is none (503 UH).</summary>
    public Endpoint? Pick() => PickUnhashed(0);

    /// <summary><see cref="Pick()"/> leaving out the locality priority levels in <paramref name="excludedLevels"/> (a retry's <c>retryRemoteLocalities</c>).</summary>
    private Endpoint? PickUnhashed(ulong excludedLevels)
    {
        if (Localities is { } localities)
        {
            return localities.Pick(Available, excludedLevels);
        }

        var healthy = Healthy;
        var index = Balancer.Pick(healthy);
        return index < 0 ? null : healthy[index];
    }

    /// <summary>
    /// <see cref="Pick()"/> for a request with a consistent-hash key (<paramref name="hash"/>,
    /// from <see cref="Hashing"/>); <paramref name="attempt"/> above 0 asks for a neighbour.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // every request comes through here; most have no key
    public Endpoint? Pick(ulong? hash, int attempt = 0, ulong excludedLevels = 0)
        => hash is { } key && Balancer is ConsistentHashBalancer consistent ? PickByHash(consistent, key, attempt, excludedLevels) : PickUnhashed(excludedLevels);

    private Endpoint? PickByHash(ConsistentHashBalancer balancer, ulong hash, int attempt, ulong excludedLevels)
    {
        if (Localities is { } localities)
        {
            return localities.Pick(Available, hash, attempt, excludedLevels);
        }

        var healthy = Healthy;
        var index = balancer.Pick(healthy, hash, attempt);
        return index < 0 ? null : healthy[index];
    }

    /// <summary>
    /// Picks an endpoint for a retry, avoiding the ones already tried when the cluster has others
    /// (Envoy's previous_hosts predicate). Envoy re-asks the balancer up to 5 times and then takes
    /// whatever it got; we do the same and then, rather than retry a host known to have failed,
    /// fall back to an untried one chosen uniformly. With a consistent-hash key the re-asks walk
    /// on from the key's endpoint, as Envoy's ring and Maglev balancers do on a retry.
    /// </summary>
    public Endpoint? PickAvoiding(ReadOnlySpan<Endpoint?> tried, IRandomSource random, ulong? hash = null, ulong excludedLevels = 0)
    {
        Endpoint? pick = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            pick = Pick(hash, attempt, excludedLevels);
            if (pick is null || !Contains(tried, pick))
            {
                return pick;
            }
        }

        // Under locality balancing, only endpoints it may use (a distribute rule leaves some
        // localities out), and not ejected ones.
        var candidates = Localities?.Endpoints ?? Healthy;
        var untried = 0;
        foreach (var endpoint in candidates)
        {
            untried += IsFallback(tried, endpoint) ? 1 : 0;
        }

        if (untried == 0)
        {
            return pick;
        }

        var choice = random.Next(untried);
        foreach (var endpoint in candidates)
        {
            if (IsFallback(tried, endpoint) && choice-- == 0)
            {
                return endpoint;
            }
        }

        return pick;
    }

    private bool IsFallback(ReadOnlySpan<Endpoint?> tried, Endpoint endpoint)
        => !Contains(tried, endpoint) && (Localities is null || Outlier?.IsEjected(endpoint) != true);

    private static bool Contains(ReadOnlySpan<Endpoint?> tried, Endpoint endpoint)
    {
        foreach (var t in tried)
        {
            if (ReferenceEquals(t, endpoint))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Name;
}
