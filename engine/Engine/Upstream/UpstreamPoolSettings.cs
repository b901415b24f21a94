namespace Engine.Upstream;

/// <summary>
/// Per-cluster connection settings with Istio's defaults (istio-semantics.md Appendix A):
/// connect timeout 10 s, idle timeout 1 h, unlimited requests per connection.
/// </summary>
internal sealed record UpstreamPoolSettings
{
    public static readonly UpstreamPoolSettings Default = new();

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>0 = unlimited (DestinationRule <c>http.maxRequestsPerConnection</c>).</summary>
    public int MaxRequestsPerConnection { get; init; }

    /// <summary>
    /// Streams one HTTP/2 connection carries at once, below the server's own limit (DestinationRule
    /// <c>http.maxConcurrentStreams</c>, Envoy's http2_protocol_options.max_concurrent_streams); 0: the server's alone.
    /// </summary>
    public int MaxConcurrentStreams { get; init; }

    /// <summary>
    /// Connections older than this take no more requests (tcp.maxConnectionDuration; zero: none):
    /// HTTP/1.1 ones are closed when returned, HTTP/2 ones drain.
    /// </summary>
    public TimeSpan MaxConnectionDuration { get; init; }

    /// <summary>HTTP/2 PING keep-alive on upstream HTTP/2 connections (http.http2KeepAlive); null: none.</summary>
    public Http2KeepAliveSettings? Http2KeepAlive { get; init; }

    /// <summary>TCP keepalive probes on upstream sockets (tcp.tcpKeepalive); null: the OS default.</summary>
    public TcpKeepaliveSettings? TcpKeepalive { get; init; }

    /// <summary>
    /// TLS origination (DestinationRule <c>tls</c> SIMPLE/MUTUAL); null: plaintext. Being part of
    /// the settings keys the pools: a cluster whose TLS changes gets new ones.
    /// </summary>
    public Tls.UpstreamTls? Tls { get; init; }

    /// <summary>Idle connections kept per endpoint; more are closed when returned.</summary>
    public int MaxIdleConnections { get; init; } = 1024;
}

/// <summary>DestinationRule <c>tcp.tcpKeepalive</c>: probes, idle time before the first, interval.</summary>
internal sealed record TcpKeepaliveSettings(int Probes, TimeSpan? Time, TimeSpan? Interval);

/// <summary>
/// DestinationRule <c>http.http2KeepAlive</c> (Envoy's http2_protocol_options.connection_keepalive):
/// a PING every <paramref name="Interval"/>; no ACK within <paramref name="Timeout"/> closes the connection.
/// </summary>
internal sealed record Http2KeepAliveSettings(TimeSpan Interval, TimeSpan Timeout);
