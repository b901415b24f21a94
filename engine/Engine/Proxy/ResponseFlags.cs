namespace Engine.Proxy;

/// <summary>
/// Envoy's response flags (access log <c>%RESPONSE_FLAGS%</c>), recorded for each request so
/// that the access log and metrics can say why a response is what it is.
/// </summary>
[Flags]
internal enum ResponseFlags
{
    None = 0,

    /// <summary>NR: no route configured for the request.</summary>
    NoRoute = 1 << 0,

    /// <summary>NC: the route's cluster does not exist (unknown subset, port or host).</summary>
    NoClusterFound = 1 << 1,

    /// <summary>UH: no healthy upstream host in the cluster.</summary>
    NoHealthyUpstream = 1 << 2,

    /// <summary>UF: upstream connection failure.</summary>
    UpstreamConnectionFailure = 1 << 3,

    /// <summary>UC: upstream connection terminated.</summary>
    UpstreamConnectionTermination = 1 << 4,

    /// <summary>UR: upstream remote reset.</summary>
    UpstreamRemoteReset = 1 << 5,

    /// <summary>UO: upstream overflow (circuit breaking).</summary>
    UpstreamOverflow = 1 << 6,

    /// <summary>UT: upstream request timeout.</summary>
    UpstreamRequestTimeout = 1 << 7,

    /// <summary>URX: retry limit exceeded.</summary>
    UpstreamRetryLimitExceeded = 1 << 8,

    /// <summary>UPE: upstream protocol error (invalid response).</summary>
    UpstreamProtocolError = 1 << 9,

    /// <summary>DC: downstream connection termination.</summary>
    DownstreamConnectionTermination = 1 << 10,

    /// <summary>DPE: downstream protocol error (malformed request).</summary>
    DownstreamProtocolError = 1 << 11,

    /// <summary>DI: the request was delayed by fault injection.</summary>
    DelayInjected = 1 << 12,

    /// <summary>FI: the request was aborted by fault injection.</summary>
    FaultInjected = 1 << 13,

    /// <summary>DF: the request's host did not resolve (a DYNAMIC_DNS service, Envoy's dynamic forward proxy).</summary>
    DnsResolutionFailed = 1 << 14,
}
