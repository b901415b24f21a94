namespace Engine.Upstream;

/// <summary>How an attempt to open an upstream connection ended (a value, not an exception).</summary>
internal enum ConnectOutcome
{
    Connected,
    Refused,
    TimedOut,
    Failed,

    /// <summary>TCP connected, but the TLS handshake or the server certificate check failed (503 UF, like any connect failure).</summary>
    TransportFailed,

    /// <summary>The cluster is at tcp.maxConnections: wait for a connection to free up.</summary>
    AtLimit,

    /// <summary>
    /// A request had to wait for a stream and the cluster's pending limit (http1MaxPendingRequests,
    /// which Envoy applies to HTTP/2 too) was full: 503 UO, never retried.
    /// </summary>
    Overflow,
}
