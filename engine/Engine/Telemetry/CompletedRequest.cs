using System.Net;
using Engine.Protocols.Http;
using Engine.Proxy;
using Engine.Upstream;

namespace Engine.Telemetry;

/// <summary>
/// Everything the access log and the metrics need about one finished request. A ref struct:
/// the heads belong to the connection and are valid only during the
/// <see cref="IRequestTelemetry.OnRequestCompleted"/> call (read what you need there; copy nothing
/// you do not need).
/// </summary>
internal readonly ref struct CompletedRequest
{
    /// <summary>The request as it arrived (after path normalisation), headers included.</summary>
    public required HttpRequestHead Request { get; init; }

    /// <summary>The upstream's response head, or null when the proxy answered itself.</summary>
    public HttpResponseHead? Response { get; init; }

    public required string Protocol { get; init; }

    public required int Status { get; init; }

    public required ResponseFlags Flags { get; init; }

    /// <summary>Wall-clock start, for the log line.</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>From the request head's arrival to the last response byte written.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Upstream time to the response head (x-envoy-upstream-service-time), or -1.</summary>
    public long UpstreamServiceTimeMs { get; init; }

    /// <summary>Request body bytes received from the client.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Response body bytes sent to the client.</summary>
    public long BytesSent { get; init; }

    /// <summary>Upstream attempts made (0 when none: local reply).</summary>
    public int Attempts { get; init; }

    public Cluster? Cluster { get; init; }

    public Endpoint? UpstreamHost { get; init; }

    /// <summary>Envoy route name (the VirtualService rule), or null.</summary>
    /// <summary>Envoy's %UPSTREAM_TRANSPORT_FAILURE_REASON%: why the last TLS handshake to the upstream failed.</summary>
    public string? UpstreamTransportFailureReason { get; init; }

    public string? RouteName { get; init; }

    public EndPoint? DownstreamRemote { get; init; }

    public EndPoint? DownstreamLocal { get; init; }
}
