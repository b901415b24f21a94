namespace Engine.Http2.Client;

/// <summary>
/// How long an upstream HTTP/2 connection serves and how it is watched: the DestinationRule
/// connectionPool fields Istio gives Envoy as common_http_protocol_options (max_requests_per_connection,
/// max_connection_duration, idle_timeout) and http2_protocol_options.connection_keepalive. Zero
/// turns each one off; <see cref="None"/> is all off.
/// </summary>
internal sealed record Http2ClientLifetime
{
    public static Http2ClientLifetime None { get; } = new();

    /// <summary>Streams a connection opens in its life (<c>http.maxRequestsPerConnection</c>); then it drains.</summary>
    public int MaxStreams { get; init; }

    /// <summary>Age after which a connection takes no new stream and drains (<c>tcp.maxConnectionDuration</c>).</summary>
    public TimeSpan MaxAge { get; init; }

    /// <summary>Time without a stream after which a connection is closed (<c>http.idleTimeout</c>, else <c>tcp.idleTimeout</c>).</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>Time between our PINGs (<c>http.http2KeepAlive.interval</c>); off unless <see cref="KeepAliveTimeout"/> is set too.</summary>
    public TimeSpan KeepAliveInterval { get; init; }

    /// <summary>How long a PING may wait for its ACK before the connection is given up (<c>http.http2KeepAlive.timeout</c>).</summary>
    public TimeSpan KeepAliveTimeout { get; init; }

    public bool KeepsAlive => KeepAliveInterval > TimeSpan.Zero && KeepAliveTimeout > TimeSpan.Zero;

    /// <summary>
    /// Envoy's default <c>interval_jitter</c> (Istio sets none): each wait for the next PING is the
    /// interval plus up to this share of it, drawn afresh, so the connections a sidecar opened
    /// together do not PING their servers in step.
    /// </summary>
    public const int KeepAliveJitterPercent = 15;

    /// <summary>The wait before the next PING: the interval plus a random part of <see cref="KeepAliveJitterPercent"/> of it.</summary>
    public TimeSpan NextKeepAliveInterval(Random random)
    {
        var jitterTicks = KeepAliveInterval.Ticks * KeepAliveJitterPercent / 100;
        return jitterTicks > 0 ? KeepAliveInterval + TimeSpan.FromTicks(random.NextInt64(jitterTicks)) : KeepAliveInterval;
    }
}
