namespace Engine.Proxy;

/// <summary>
/// How forwarding one request failed, as a value (STYLE.md habit 3): the phase and side, so that
/// one mapper (<see cref="LocalReplies"/>) turns it into Envoy's status, body and response flag,
/// and the retry logic can tell whether another attempt is safe.
/// </summary>
internal enum ForwardError
{
    None = 0,

    /// <summary>The route's cluster does not exist (unknown subset, port or host): 503 NC.</summary>
    ClusterNotFound,

    /// <summary>The cluster has no endpoint to pick: 503 UH.</summary>
    NoHealthyUpstream,

    /// <summary>TCP connect refused, timed out or failed: 503 UF. Safe to retry.</summary>
    ConnectFailed,

    /// <summary>The upstream closed or reset before a complete response head: 503 UC.</summary>
    UpstreamResetBeforeResponse,

    /// <summary>The upstream answered something that is not valid HTTP/1.1: 502 UPE.</summary>
    UpstreamProtocolError,

    /// <summary>The upstream died after the response head was sent downstream: the client connection is aborted.</summary>
    UpstreamResetAfterHeaders,

    /// <summary>The client went away; there is no one to answer.</summary>
    DownstreamGone,

    /// <summary>The client's body framing was invalid (bad chunk): 400 and close.</summary>
    DownstreamBodyInvalid,

    /// <summary>The route timeout expired before the response head: 504 UT, never retried.</summary>
    RouteTimeout,

    /// <summary>The per-try timeout expired before the response head: retried under 5xx/gateway-error/reset, else 504 UT.</summary>
    PerTryTimeout,

    /// <summary>
    /// An HTTP/2 upstream refused the stream (REFUSED_STREAM, or above its GOAWAY's last-stream-id):
    /// nothing was processed, so retry-on refused-stream (Istio's default) sends it again; else 503 UR.
    /// </summary>
    UpstreamRefusedStream,

    /// <summary>An HTTP/2 upstream reset the stream before its response head: 503 UR.</summary>
    UpstreamResetStream,

    /// <summary>A circuit breaker tripped (max requests, pending, retries): 503 UO with x-envoy-overloaded, never retried.</summary>
    Overflow,
}
