namespace Engine.Config.Model;

/// <summary>
/// Circuit-breaker and pool limits. Istio cannot tell 0 from unset for the integer limits: 0 means
/// the default (2^32−1) everywhere, so they are plain integers.
/// </summary>
internal sealed record ConnectionPoolSettings : ModelNode
{
    public TcpSettings? Tcp { get; init; }

    public HttpSettings? Http { get; init; }
}

/// <summary>ConnectionPoolSettings.TCPSettings.</summary>
internal sealed record TcpSettings : ModelNode
{
    public int MaxConnections { get; init; }

    /// <summary>Null means the mesh default, 10 s.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    public TcpKeepalive? TcpKeepalive { get; init; }

    public TimeSpan? MaxConnectionDuration { get; init; }

    /// <summary>Null means 1 h; zero disables.</summary>
    public TimeSpan? IdleTimeout { get; init; }
}

/// <summary>SO_KEEPALIVE settings; unset members use the OS defaults.</summary>
internal sealed record TcpKeepalive : ModelNode
{
    public uint Probes { get; init; }

    public TimeSpan? Time { get; init; }

    public TimeSpan? Interval { get; init; }
}

/// <summary>ConnectionPoolSettings.HTTPSettings.</summary>
internal sealed record HttpSettings : ModelNode
{
    public int Http1MaxPendingRequests { get; init; }

    public int Http2MaxRequests { get; init; }

    /// <summary>0 is unlimited; 1 disables keep-alive.</summary>
    public int MaxRequestsPerConnection { get; init; }

    public int MaxRetries { get; init; }

    public TimeSpan? IdleTimeout { get; init; }

    public H2UpgradePolicy H2UpgradePolicy { get; init; }

    public bool UseClientProtocol { get; init; }

    public int MaxConcurrentStreams { get; init; }

    public Http2KeepAlive? Http2KeepAlive { get; init; }
}

/// <summary>HTTP/2 PING keep-alive towards the upstream.</summary>
internal sealed record Http2KeepAlive : ModelNode
{
    public TimeSpan? Interval { get; init; }

    public TimeSpan? Timeout { get; init; }
}

/// <summary>HTTPSettings.H2UpgradePolicy.</summary>
internal enum H2UpgradePolicy
{
    Default = 0,
    DoNotUpgrade = 1,
    Upgrade = 2,
}
