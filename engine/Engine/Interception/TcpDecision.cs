using System.Net;
using Engine.Upstream;

namespace Engine.Interception;

/// <summary>
/// Where an intercepted L4 connection goes — an address to connect to, with the cluster's connect
/// timeout and TCP keepalive — or why it is closed instead. <see cref="Via"/> is the configured
/// cluster it goes through, when there is one: its circuit breaker (maxConnections) and outlier
/// detector apply. <see cref="Proxy"/> holds the tcp_proxy idle timeout and maximum duration.
/// </summary>
internal readonly record struct TcpDecision(
    IPEndPoint? Upstream, string Cluster, string Route, Endpoint? Endpoint, TimeSpan ConnectTimeout, TcpKeepaliveSettings? Keepalive, string? Rejection, string Flag,
    Cluster? Via = null, TcpProxySettings? Proxy = null)
{
    public static TcpDecision Connect(IPEndPoint upstream, string cluster, string route, Endpoint? endpoint, TimeSpan connectTimeout, TcpKeepaliveSettings? keepalive = null)
        => new(upstream, cluster, route, endpoint, connectTimeout, keepalive, null, "-");

    /// <summary>Through a configured cluster: its connect timeout, keepalive, limits and outlier detection.</summary>
    public static TcpDecision Connect(IPEndPoint upstream, Cluster via, string route, Endpoint? endpoint, TcpProxySettings proxy)
        => new(upstream, via.Name, route, endpoint, via.Settings.ConnectTimeout, via.Settings.TcpKeepalive, null, "-", via, proxy);

    public static TcpDecision Reject(string cluster, string route, string reason, string flag)
        => new(null, cluster, route, null, TimeSpan.Zero, null, reason, flag);
}
