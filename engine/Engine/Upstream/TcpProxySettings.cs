using Engine.Config.Model;

namespace Engine.Upstream;

/// <summary>
/// What Istio puts on Envoy's tcp_proxy filter for an opaque TCP (or TLS passthrough) route:
/// <c>idle_timeout</c> and <c>max_downstream_connection_duration</c>, from
/// <c>connectionPool.tcp.idleTimeout</c> and <c>maxConnectionDuration</c> of the destination
/// host's DestinationRule — its top-level trafficPolicy only: subset and port-level settings are
/// not consulted (Istio's buildOutboundNetworkFiltersWithSingleDestination /
/// …WithWeightedClusters read <c>GetTrafficPolicy().GetConnectionPool().GetTcp()</c>). Istio sets
/// no max_connect_attempts, so Envoy tries the upstream connect once.
/// </summary>
internal sealed record TcpProxySettings(TimeSpan? IdleTimeout, TimeSpan MaxConnectionDuration)
{
    /// <summary>Nothing from a DestinationRule: the proxy-wide idle timeout (1 h), no duration limit.</summary>
    public static readonly TcpProxySettings Default = new(null, TimeSpan.Zero);

    public static TcpProxySettings From(TrafficPolicy? topLevel)
        => topLevel?.ConnectionPool?.Tcp is not { } tcp
            ? Default
            : new TcpProxySettings(tcp.IdleTimeout, tcp.MaxConnectionDuration is { } duration && duration > TimeSpan.Zero ? duration : TimeSpan.Zero);

    /// <summary>The idle timeout for a connection: the DestinationRule's (0 disables), else <paramref name="proxyDefault"/>.</summary>
    public TimeSpan IdleTimeoutOr(TimeSpan proxyDefault) => IdleTimeout ?? proxyDefault;
}
