using System.Buffers;
using System.Diagnostics;
using System.Net;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Telemetry;
using Engine.Upstream;
using Microsoft.Extensions.Logging;

namespace Engine.Proxy;

/// <summary>
/// What every proxied request goes through whichever protocol brought it: routing, faults, mirrors,
/// deadlines, retries, circuit breaking, local replies and the access-log record — written once,
/// over the one request model (DESIGN.md), so HTTP/1.1 and HTTP/2 behave the same. A subclass is
/// the downstream side: <see cref="Http1ProxySession"/> (one connection, requests in turn) or
/// <see cref="Http2ProxyStream"/> (one stream of an HTTP/2 connection).
/// </summary>
/// <remarks>
/// Fields rather than properties, and one object per connection or stream reused request after
/// request: the HTTP/1.1 session's hot loop reads them directly (see its remarks on allocation).
/// </remarks>
internal abstract partial class ProxyExchange
{
    private protected readonly ProxyServer _server;
    private protected readonly ILogger _logger;
    private readonly HttpResponseHead _ownResponse = new();

    /// <summary>
    /// The response head being built: the exchange's own, or for one request a head the downstream
    /// lends (<see cref="LendResponseHead"/>: an HTTP/2 stream's own, so sending it copies nothing).
    /// </summary>
    private protected HttpResponseHead _response;
    private protected readonly BodyCounter _received = new();
    private protected readonly BodyCounter _sent = new();
    private protected readonly Engine.Protocols.Http1.Http1Limits _limits;

    /// <summary>The request being proxied: the session's own head (HTTP/1.1) or the stream's (HTTP/2).</summary>
    private protected HttpRequestHead _request;

    // Per-request state (BeginExchange resets it).
    private protected ResponseFlags _flags;
    private protected bool _keepAlive;
    private protected int _status;
    private protected long _started;
    private protected int _retrySlots;      // max-retries circuit-breaker slots this request holds
    private protected DateTimeOffset _startTime;
    private protected Cluster? _cluster;
    private protected Endpoint? _host;
    private protected int _attempts;
    private protected long _serviceTimeMs;
    private protected string? _routeName;
    private protected bool _proxiedResponse;
    private protected bool _reportPending;

    private protected ProxyExchange(ProxyServer server, HttpRequestHead request)
    {
        _server = server;
        _logger = server.Logger;
        _limits = server.Options.Http1Limits;
        _request = request;
        _response = _ownResponse;
    }

    /// <summary>Builds this request's response in <paramref name="head"/> (null: back to the exchange's own).</summary>
    private protected void LendResponseHead(HttpResponseHead? head) => _response = head ?? _ownResponse;

    /// <summary>The client's address, for log lines.</summary>
    private protected abstract string Remote { get; }

    /// <summary>The client's address, for a consistent hash on it (and a generated cookie's value).</summary>
    private protected abstract System.Net.EndPoint? ClientEndPoint { get; }

    /// <summary>The address the client connected to (the listener's, or the original destination's socket).</summary>
    private protected abstract System.Net.EndPoint? ServerEndPoint { get; }

    /// <summary>Cancelled when the client is gone (its connection closed, or its stream reset).</summary>
    private protected abstract CancellationToken ClientGone { get; }

    /// <summary>Whether the request can be sent again: no body, or one still whole at hand.</summary>
    private protected abstract bool Replayable { get; }

    /// <summary>Whether a body may follow the head (HTTP/2 says so with END_STREAM, HTTP/1.1 with its framing).</summary>
    private protected abstract bool MayHaveBody { get; }

    /// <summary>
    /// The whole request body when it has all arrived (and is within the replay limit), left in
    /// place for the request itself; <see cref="EndPeek"/> ends the look. False otherwise.
    /// </summary>
    private protected abstract bool TryPeekWholeBody(out ReadOnlySequence<byte> body);

    private protected abstract void EndPeek();

    /// <summary>Whether this request's WebSocket upgrade went upstream, so 101 is the answer that switches protocols.</summary>
    private protected virtual bool UpgradeForwarded => false;

    /// <summary>
    /// The body as a mirror's copy carries it: the whole body as for a retry, unless the protocol
    /// keeps it in another form (an HTTP/1.1 chunked body's raw bytes, which an HTTP/1.1 copy sends
    /// as they are and an HTTP/2 one, <paramref name="decoded"/>, needs without their framing).
    /// </summary>
    private protected virtual bool TryPeekBodyToCopy(out ReadOnlySequence<byte> body, bool decoded) => TryPeekWholeBody(out body);

    /// <summary>Resets the per-request state and counts the request as started.</summary>
    private protected void BeginExchange()
    {
        _server.Telemetry.OnRequestStarted();
        _reportPending = true;
        _flags = ResponseFlags.None;
        _status = 0;
        _started = LoopTime.GetTimestamp();
        _keepAlive = true;
        _received.Reset();
        _sent.Reset();
        _startTime = LoopTime.GetUtcNow(_server.Time);
        _cluster = null;
        _host = null;
        _attempts = 0;
        _serviceTimeMs = -1;
        _routeName = null;
        _proxiedResponse = false;
        _controls = RouterControls.None;
        _timeouts = default;
        _transportFailure = null;
        _upstreamAbandoned = false;
        ResetRouting();
    }

    /// <summary>Hands the finished request to the access log and metrics.</summary>
    private protected void ReportCompleted(string protocol, EndPoint? remote, EndPoint? local)
    {
        _reportPending = false;
        _server.Telemetry.OnRequestCompleted(new CompletedRequest
        {
            Request = _request,
            Response = _proxiedResponse ? _response : null,
            Protocol = protocol,
            Status = _status,
            Flags = _flags,
            StartTime = _startTime,
            Duration = Stopwatch.GetElapsedTime(_started),
            UpstreamServiceTimeMs = _serviceTimeMs,
            BytesReceived = _received.Bytes,
            BytesSent = _sent.Bytes,
            Attempts = _attempts,
            Cluster = _cluster,
            UpstreamHost = _host,
            RouteName = _routeName,
            UpstreamTransportFailureReason = _transportFailure,
            DownstreamRemote = remote,
            DownstreamLocal = local,
        });
    }
}
