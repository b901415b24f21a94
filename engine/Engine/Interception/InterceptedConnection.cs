using System.Net;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;
using Engine.Upstream.Resilience;

namespace Engine.Interception;

/// <summary>
/// What an HTTP session on an intercepted outbound connection knows beyond explicit mode: the
/// addresses (the original destination's port is the port routes match and clusters resolve by),
/// the outbound policy, and the clusters that lead to the original destination itself — Envoy's
/// PassthroughCluster (ALLOW_ANY) and ORIGINAL_DST clusters (<c>resolution: NONE</c>). Those
/// are built for this connection when first needed, with their own keep-alive pool, and closed
/// with it.
/// </summary>
internal sealed class InterceptedConnection : IDisposable
{
    public const string PassthroughClusterName = "PassthroughCluster";
    public const string BlackHoleClusterName = "BlackHoleCluster";

    private readonly UpstreamConnector _connector;
    private readonly IRandomSource _random;
    private readonly TimeSpan _connectTimeout;
    private Cluster? _passthrough;
    private Cluster? _originalDestination;

    public InterceptedConnection(ClientAddress client, ServerAddress server, OriginalDestination destination, OutboundPolicy policy, TimeSpan connectTimeout, UpstreamConnector connector, IRandomSource random)
    {
        Client = client;
        Server = server;
        Destination = destination;
        Policy = policy;
        _connectTimeout = connectTimeout;
        _connector = connector;
        _random = random;
    }

    public ClientAddress Client { get; }

    public ServerAddress Server { get; }

    public OriginalDestination Destination { get; }

    public OutboundPolicy Policy { get; }

    /// <summary>Envoy's PassthroughCluster: the request goes where the app sent it.</summary>
    /// <remarks>
    /// Istio's PassthroughCluster speaks the client's protocol (use_downstream_protocol): captured h2c
    /// goes on as HTTP/2. Locked: the streams of one HTTP/2 connection route concurrently.
    /// </remarks>
    public Cluster Passthrough()
    {
        lock (_lock)
        {
            return _passthrough ??= Create(PassthroughClusterName, Destination.EndPoint, Destination.Port, UpstreamPoolSettings.Default with { ConnectTimeout = _connectTimeout }, useDownstreamProtocol: true);
        }
    }

    private readonly Lock _lock = new();

    /// <summary>
    /// A <c>resolution: NONE</c> cluster for this connection: its policy, one endpoint — the
    /// original destination, on the port's targetPort when set. Other clusters come back as they are.
    /// </summary>
    public Cluster? ForOriginalDestination(Cluster? cluster, DestinationIndex destinations)
    {
        if (cluster is null || !destinations.IsOriginalDestination(cluster, out var targetPort))
        {
            return cluster;
        }

        lock (_lock)
        {
            if (_originalDestination?.Name != cluster.Name)
            {
                // Another route of the same connection: the previous cluster's pool may still carry a
                // stream of this (HTTP/2) connection, so it retires (idle connections close, busy ones after).
                _originalDestination?.Endpoints[0].Pool.Retire();
                var address = new IPEndPoint(Destination.Address, targetPort > 0 ? targetPort : Destination.Port);
                _originalDestination = Create(cluster.Name, address, cluster.Port, cluster.Settings, cluster.Host, cluster.Subset, cluster.Breaker, cluster.Protocol, cluster.UseDownstreamProtocol);
            }

            return _originalDestination;
        }
    }

    /// <summary>A one-endpoint cluster; an ORIGINAL_DST one shares the configured cluster's circuit breaker, so its limits hold across connections.</summary>
    private Cluster Create(
        string name, IPEndPoint address, int port, UpstreamPoolSettings settings, string? host = null, string? subset = null, ClusterCircuitBreaker? breaker = null,
        UpstreamProtocol protocol = UpstreamProtocol.Http1, bool useDownstreamProtocol = false)
    {
        var endpoint = new Endpoint(address, new Dictionary<string, string>(), 1, new Http1ConnectionPool(address, _connector, settings, breaker));
        return new Cluster(name, host ?? address.ToString(), port, subset, [endpoint], new RoundRobinBalancer(_random), settings, breaker)
        {
            Protocol = protocol,
            UseDownstreamProtocol = useDownstreamProtocol,
        };
    }

    /// <summary>Closes the idle keep-alive connections this connection's own clusters hold.</summary>
    public void Dispose()
    {
        _passthrough?.Endpoints[0].Pool.Retire();
        _originalDestination?.Endpoints[0].Pool.Retire();
    }
}
