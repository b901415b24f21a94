using System.Net;
using Engine.Upstream;

namespace Engine.Interception;

/// <summary>
/// Where an intercepted L4 connection goes — an address to connect to, with the cluster's connect
/// timeout and TCP keepalive — or why it is closed instead.
/// </summary>
internal readonly record struct TcpDecision(
    IPEndPoint? Upstream, string Cluster, string Route, Endpoint? Endpoint, TimeSpan ConnectTimeout, TcpKeepaliveSettings? Keepalive, string? Rejection, string Flag)
{
    public static TcpDecision Connect(IPEndPoint upstream, string cluster, string route, Endpoint? endpoint, TimeSpan connectTimeout, TcpKeepaliveSettings? keepalive = null)
        => new(upstream, cluster, route, endpoint, connectTimeout, keepalive, null, "-");

    public static TcpDecision Reject(string cluster, string route, string reason, string flag)
        => new(null, cluster, route, null, TimeSpan.Zero, null, reason, flag);
}
