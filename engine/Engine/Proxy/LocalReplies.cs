namespace Engine.Proxy;

/// <summary>
/// The one table from a forwarding failure to what the client sees, with Envoy's status codes and
/// bodies (istio-semantics.md §6) so that clients and dashboards written for Istio keep working.
/// Bodies are encoded once here, not per reply.
/// </summary>
internal static class LocalReplies
{
    public const string ConnectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    public const string ConnectionTerminationBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    public const string RefusedStreamBody = "upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset";
    public const string RemoteResetBody = "upstream connect error or disconnect/reset before headers. reset reason: remote reset";
    public const string ProtocolErrorBody = "upstream connect error or disconnect/reset before headers. reset reason: protocol error";
    public const string NoHealthyUpstreamBody = "no healthy upstream";
    public const string TimeoutBody = "upstream request timeout";
    public const string OverflowBody = "upstream connect error or disconnect/reset before headers. reset reason: overflow";
    public const string FaultAbortBody = "fault filter abort";
    public const string DnsResolutionFailureBody = "DNS resolution failure";
    public const string DnsCacheOverflowBody = "DNS cache overflow";

    public static readonly LocalReply NoRoute = new(404, string.Empty, ResponseFlags.NoRoute);

    /// <summary>An upgrade to a protocol other than WebSocket (Envoy: no upgrade_configs entry for it, "upgrade_failed").</summary>
    public static readonly LocalReply UpgradeFailed = new(403, string.Empty, ResponseFlags.None);

    /// <summary>A retry was decided, but the body it must send again outgrew the retry buffer before it could go (Envoy's router answers so).</summary>
    public static readonly LocalReply RetryBufferExceeded = new(507, "exceeded request buffer limit while retrying upstream", ResponseFlags.None);

    /// <summary>The request head did not arrive in time (slowloris).</summary>
    public static readonly LocalReply RequestTimeout = new(408, "request header timeout", ResponseFlags.DownstreamProtocolError);

    /// <summary>The proxy sheds load: over its memory ceiling (Envoy's overload manager answers the same way).</summary>
    public static readonly LocalReply Overloaded = new(503, "envoy overloaded", ResponseFlags.UpstreamOverflow, overloaded: true);

    /// <summary>A DYNAMIC_DNS request whose host does not resolve (Envoy's dynamic forward proxy filter: 503, DF).</summary>
    public static readonly LocalReply DnsResolutionFailed = new(503, DnsResolutionFailureBody, ResponseFlags.DnsResolutionFailed);

    /// <summary>A DYNAMIC_DNS request for a new name while the cache holds its maximum of names (Envoy: 503, no flag of its own; UO here).</summary>
    public static readonly LocalReply DnsCacheOverflow = new(503, DnsCacheOverflowBody, ResponseFlags.UpstreamOverflow);

    private static readonly LocalReply ClusterNotFound = new(503, string.Empty, ResponseFlags.NoClusterFound);
    private static readonly LocalReply NoHealthyUpstream = new(503, NoHealthyUpstreamBody, ResponseFlags.NoHealthyUpstream);
    private static readonly LocalReply ConnectFailed = new(503, ConnectFailureBody, ResponseFlags.UpstreamConnectionFailure);
    private static readonly LocalReply ConnectionTermination = new(503, ConnectionTerminationBody, ResponseFlags.UpstreamConnectionTermination);
    private static readonly LocalReply RefusedStream = new(503, RefusedStreamBody, ResponseFlags.UpstreamRemoteReset);
    private static readonly LocalReply RemoteReset = new(503, RemoteResetBody, ResponseFlags.UpstreamRemoteReset);
    private static readonly LocalReply ProtocolError = new(502, ProtocolErrorBody, ResponseFlags.UpstreamProtocolError);
    private static readonly LocalReply BadRequestBody = new(400, "bad request body", ResponseFlags.DownstreamProtocolError);
    private static readonly LocalReply Timeout = new(504, TimeoutBody, ResponseFlags.UpstreamRequestTimeout);
    private static readonly LocalReply Overflow = new(503, OverflowBody, ResponseFlags.UpstreamOverflow, overloaded: true);
    private static readonly byte[] FaultAbortBytes = System.Text.Encoding.ASCII.GetBytes(FaultAbortBody);

    /// <summary>A fault-injection abort: the configured status, or HTTP 200 with grpc-status for a gRPC status.</summary>
    public static LocalReply FaultAbort(int? httpStatus, int? grpcStatus)
        => grpcStatus is { } grpc
            ? new LocalReply(200, [], ResponseFlags.FaultInjected, GrpcStatus: grpc)
            : new LocalReply(httpStatus ?? 503, FaultAbortBytes, ResponseFlags.FaultInjected);

    /// <summary>A connect whose TLS handshake failed: Envoy's connect-failure body with the transport failure reason (made only on such a failure).</summary>
    public static LocalReply TransportFailure(string reason)
        => new(503, ConnectFailureBody + ", transport failure reason: " + reason, ResponseFlags.UpstreamConnectionFailure);

    public static LocalReply For(ForwardError error) => error switch
    {
        ForwardError.ClusterNotFound => ClusterNotFound,
        ForwardError.NoHealthyUpstream => NoHealthyUpstream,
        ForwardError.ConnectFailed => ConnectFailed,
        ForwardError.UpstreamResetBeforeResponse => ConnectionTermination,
        ForwardError.UpstreamProtocolError => ProtocolError,
        ForwardError.UpstreamRefusedStream => RefusedStream,
        ForwardError.UpstreamResetStream => RemoteReset,
        ForwardError.DownstreamBodyInvalid => BadRequestBody,
        ForwardError.RouteTimeout or ForwardError.PerTryTimeout => Timeout,
        ForwardError.Overflow => Overflow,
        _ => ConnectionTermination,
    };
}
