using Engine.Protocols.Http1;
using Engine.Transport;

namespace Engine.Proxy;

/// <summary>Listener-level settings of the proxy (per-cluster ones live on the clusters).</summary>
internal sealed record ProxyOptions
{
    public Http1Limits Http1Limits { get; init; } = Http1Limits.Default;

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
}
