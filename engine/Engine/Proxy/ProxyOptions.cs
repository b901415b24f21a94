using Engine.Protocols.Http1;
using Engine.Transport;

namespace Engine.Proxy;

/// <summary>Listener-level settings of the proxy (per-cluster ones live on the clusters).</summary>
internal sealed record ProxyOptions
{
    public Http1Limits Http1Limits { get; init; } = Http1Limits.Default;

    /// <summary>HTTP/2 downstream connections (h2c, sniffed on the same listener): limits and buffering.</summary>
    public global::Engine.Http2.Http2SessionOptions Http2 { get; init; } = global::Engine.Http2.Http2SessionOptions.Default;

    public TransportSettings Transport { get; init; } = new();

    /// <summary>Add <c>x-request-id</c> when the client sent none (Envoy does, with a UUID v4).</summary>
    public bool GenerateRequestId { get; init; } = true;

    /// <summary>Send <c>x-envoy-attempt-count</c> upstream (Istio turns it on for every sidecar).</summary>
    public bool SendAttemptCount { get; init; } = true;

    /// <summary>Add <c>x-envoy-upstream-service-time</c> to responses (Envoy's router does).</summary>
    public bool SendUpstreamServiceTime { get; init; } = true;

    /// <summary>
    /// Append <c>-shadow</c> to the host of mirrored requests. Off by default, as in Istio ≥ 1.28
    /// (<c>DISABLE_SHADOW_HOST_SUFFIX=true</c>); on reproduces Istio ≤ 1.27.
    /// </summary>
    public bool MirrorShadowHostSuffix { get; init; }

    /// <summary>Mirrored copies in flight at once; more are dropped and counted.</summary>
    public int MaxMirrorsInFlight { get; init; } = 256;

    /// <summary>Bytes of mirrored copies in flight at once; more are dropped and counted.</summary>
    public long MaxMirrorBytesInFlight { get; init; } = 32L * 1024 * 1024;

    /// <summary>Request bodies up to this size may be replayed for retries and copied to mirrors.</summary>
    public int MaxReplayBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Time allowed for a request head once its first byte arrived (and for the first request of
    /// a connection): a slowloris client gets 408 and the connection is closed
    /// (robustness.md §3.3: 10 s).
    /// </summary>
    public TimeSpan RequestHeadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A keep-alive connection with no request for this long is closed (Istio: 1 h).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Requests one downstream connection may carry; the last answer says connection: close (0: unlimited).</summary>
    public int MaxRequestsPerConnection { get; init; }

    /// <summary>Downstream connections at once; more are answered 503 and closed (0: unlimited).</summary>
    public int MaxConnections { get; init; }

    /// <summary>
    /// Managed heap size above which new requests are shed with 503 (x-envoy-overloaded) instead of
    /// growing memory until the process dies (0: no ceiling). Envoy's overload manager does the same.
    /// </summary>
    public long MaxHeapBytes { get; init; }
}
