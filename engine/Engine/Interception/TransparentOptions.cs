namespace Engine.Interception;

/// <summary>Settings of transparent (iptables-redirected) mode, with Istio's defaults.</summary>
internal sealed record TransparentOptions
{
    /// <summary>Where ISTIO_REDIRECT sends outbound traffic (istio-iptables <c>-p</c>).</summary>
    public int OutboundPort { get; init; } = 15001;

    /// <summary>Where ISTIO_IN_REDIRECT sends inbound traffic (istio-iptables <c>-z</c>).</summary>
    public int InboundPort { get; init; } = 15006;

    public OutboundPolicy OutboundPolicy { get; init; } = OutboundPolicy.AllowAny;

    /// <summary>
    /// How long protocol detection waits for the client's first bytes before treating the
    /// connection as opaque TCP (Envoy's listener-filter timeout with continue-on-timeout): a
    /// server-first protocol (SMTP, MySQL) to an undeclared port waits this long once. Declare
    /// such ports with a non-HTTP protocol in a ServiceEntry to skip detection.
    /// </summary>
    public TimeSpan ProtocolDetectionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connect timeout to original destinations (Istio's mesh-wide connectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An L4 connection with no byte either way for this long is closed (Envoy tcp_proxy default: 1 h).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromHours(1);
}
