namespace Engine.Interception;

/// <summary>How an L4 proxied connection ended.</summary>
internal enum TcpProxyEnd
{
    /// <summary>Both sides sent FIN (each half-close forwarded as it came).</summary>
    Closed,

    /// <summary>The client reset, or failed while we wrote to it.</summary>
    ClientReset,

    /// <summary>The upstream reset, or failed while we wrote to it.</summary>
    UpstreamReset,

    /// <summary>No byte moved either way for the idle timeout (Envoy tcp_proxy idle_timeout).</summary>
    IdleTimeout,

    /// <summary>The connection lived for the maximum duration (Envoy tcp_proxy max_downstream_connection_duration).</summary>
    MaxDuration,

    /// <summary>The proxy is shutting down.</summary>
    Shutdown,
}
