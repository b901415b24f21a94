using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Http2;
using Engine.Routing.Policies;
using Engine.Telemetry;
using Engine.Transport;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Proxy;

/// <summary>
/// One downstream HTTP/1.1 connection: parse a request head, route it, forward it, stream the
/// response back, and loop while the connection stays keep-alive (pipelined requests included:
/// whatever the client already sent waits in the pipe).
/// </summary>
/// <remarks>
/// <para>
/// This is the connection's state machine and it is deliberately one long async method: every
/// await of the common path (read the request, flush upstream, wait for the response, stream a
/// Content-Length body back) is in <see cref="RunAsync"/> itself. An async method allocates its
/// state-machine box the first time it suspends; a chain of per-request async methods would
/// allocate one box per level per request (measured: ~730 B per request with six levels and 64
/// connections — pooled builders do not help when many requests are in flight, because their
/// cache holds a box or two per thread). Here the box is allocated once per connection. The
/// steps themselves are small synchronous methods in the partial files (.Routing, .Upstream,
/// .Replies); only rare paths (connecting, back-off, streamed request bodies, chunked or
/// close-delimited responses) are separate async methods.
/// </para>
/// <para>
/// Exceptions are caught here only. Failures of the upstream connection are turned into
/// <see cref="ForwardError"/> values where they happen; the downstream connection failing ends
/// the loop.
/// </para>
/// </remarks>
internal sealed partial class Http1ProxySession : ProxyExchange
{
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IOutboundLender? _outputLender; // the epoll transport's output sends large bodies from the upstream's buffer
    private readonly ChunkedDecoder _requestChunks;
    private readonly ChunkedDecoder _responseChunks;
    private readonly ConnectionTimer _timer;
    private int _requestsOnConnection;

    // The client's last request head, parsed once it repeats byte for byte (Http1HeadMemo): made
    // at the second request, so a connection that carries one request does not make it.
    private Http1HeadMemo<HttpRequestHead>? _requestHeads;

    // Per-request state of the HTTP/1.1 side (BeginRequest resets it; the rest is in ProxyExchange).
    private BodyFraming _requestFraming;
    private BodyFraming _upstreamFraming;
    private BodyFraming _downstreamFraming;
    private bool _continueSent;
    private LocalReply? _rareReply; // what the fault filter or the HTTP/2 upstream answered (RareReplyAsync)
    private ForwardError _leaseError;     // LeaseIntoFieldsAsync's outcome
    private UpstreamConnection? _leased;
    private ValueTask<BodyResult> _bodyPump;
    private bool _bodyConsumed;   // the request body has left the input pipe (sent, skipped or pumped)
    private IRedeemableLender? _requestLender; // the body goes upstream lent from the input pipe: its blocks are in use until the pump ends
    private bool _bodyKept;       // a pump streamed the body without consuming it (examined): see TryReadKept

    public Http1ProxySession(ProxyServer server, ConnectionContext connection)
        : base(server, new HttpRequestHead())
    {
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _outputLender = _output as IOutboundLender;
        _requestChunks = new ChunkedDecoder(_limits);
        _responseChunks = new ChunkedDecoder(_limits);
        _timer = new ConnectionTimer(server.Time, _input);
        server.Attach(connection, this); // a drain can close this connection while it is idle
    }

    private protected override string Remote => _connection.RemoteEndPoint?.ToString() ?? "?";

    private protected override System.Net.EndPoint? ClientEndPoint => _connection.RemoteEndPoint;

    private protected override System.Net.EndPoint? ServerEndPoint => _connection.LocalEndPoint;

    private protected override CancellationToken ClientGone => _connection.ConnectionClosed;

    public async Task RunAsync()
    {
        UpstreamConnection? upstream = null; // leased and not yet returned or discarded
        Endpoint? busy = null;               // counts this request as active on the endpoint
        Cluster? admitted = null;            // holds one of the cluster's max-requests slots
        var betweenRequests = true;          // nothing of the next head read yet: a drain may close the connection
        try
        {
            var first = true;
            var partialHead = false; // the last read held part of a head, all examined: wait for more
            while (true)
            {
                // 1. A request head (pipelined requests are already in the pipe). A head once
                // started must arrive within the head timeout (slowloris: 408); before its first
                // byte the connection is idle, the first request's wait included, as Envoy's
                // request_headers_timeout and Kestrel's RequestHeadersTimeout start at the first
                // byte: a client's pool may open a connection well before it has a request for
                // it, and must not find a 408 there for a request it never sent. After a partial
                // head the read must wait for new bytes: the epoll pipe's TryRead also returns
                // bytes already examined, and retrying it spun on the loop thread that was to read the rest.
                if (partialHead || !_input.TryRead(out var read))
                {
                    if (_timer.Armed == ConnectionWait.None)
                    {
                        _timer.Arm(ConnectionWait.NextRequest, _server.Options.IdleTimeout);
                    }

                    if (betweenRequests)
                    {
                        Park(); // a drain may close the connection while it waits here
                    }

                    read = await _input.ReadAsync().ConfigureAwait(false);
                    if (betweenRequests)
                    {
                        read = Unpark(read);
                    }
                }

                var buffer = read.Buffer;
                if (first && SniffHttp2(read, ref betweenRequests))
                {
                    if (SwitchedToHttp2)
                    {
                        return; // the preface stays in the pipe for the HTTP/2 connection
                    }

                    partialHead = true; // a start that may be the preface: wait for more, within the head timeout
                    ArmHeadTimeout();
                    continue;
                }

                var parsed = _requestsOnConnection == 0
                    ? Http1RequestParser.TryParseRequest(buffer, _request, _limits, out var consumed, out var parseError)
                    : Http1RequestParser.TryParseRequest(buffer, _request, _limits, _requestHeads ??= new(), out consumed, out parseError);
                if (parsed == Http1ParseStatus.Incomplete)
                {
                    if (read.IsCanceled && _timer.Fired == ConnectionWait.RequestHead)
                    {
                        _input.AdvanceTo(buffer.End);
                        _request.Reset();
                        BeginRequest();
                        _keepAlive = false;
                        WriteLocalReply(LocalReplies.RequestTimeout);
                        await _output.FlushAsync().ConfigureAwait(false);
                        ReportCompleted();
                        break;
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break; // closed or idle too long between requests (normal), or mid-head (nothing to answer)
                    }

                    if (!buffer.IsEmpty)
                    {
                        ArmHeadTimeout();
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    betweenRequests = buffer.IsEmpty;
                    partialHead = !buffer.IsEmpty;
                    continue;
                }

                _timer.Disarm();
                first = false;
                partialHead = false;

                if (parsed == Http1ParseStatus.Error)
                {
                    _input.AdvanceTo(buffer.End);
                    _request.Reset(); // whatever was parsed is not a request; log it as "-"
                    BeginRequest();
                    WriteRejection(parseError);
                    await _output.FlushAsync().ConfigureAwait(false);
                    ReportCompleted();
                    break;
                }

                _input.AdvanceTo(consumed);
                betweenRequests = true;
                BeginRequest();

                // 2. Route (a local reply, or a cluster), then Envoy's filter order (istio-semantics.md
                // §1): the fault filter, before CORS and the router — a delay is not counted against
                // the route timeout, and an abort is never retried nor mirrored and wins over a
                // preflight answer and over 503 NC (§3.12) — then CORS and the router's checks.
                var reply = Route(out var cluster);
                if (_upgrade == UpgradeKind.Other)
                {
                    reply = LocalReplies.UpgradeFailed;
                }

                if (reply is null && _action!.Fault is { } fault)
                {
                    await RareReplyAsync(fault, cluster).ConfigureAwait(false);
                    reply = _rareReply;
                }

                reply ??= AfterFaultFilter(ref cluster);
                if (_dnsPending is not null)
                {
                    // A DYNAMIC_DNS host seen for the first time: its lookup runs off the loop.
                    await AwaitDynamicHostAsync().ConfigureAwait(false);
                    (reply, cluster) = (_dnsReply, _cluster);
                }

                if (reply is null)
                {
                    BeginDeadlines(); // consumes the x-envoy-* controls: mirrors do not get them either
                    if (_upgrade == UpgradeKind.None)
                    {
                        DispatchOrDeferMirrors(); // a body still coming in is copied at its end
                    }
                }

                // 3. Attempts, under the route's retry policy (Istio's default when it has none).
                // An HTTP/2 upstream takes the shared loop (ProxyExchange.Forward.cs); HTTP/1.1 this one.
                var forwarded = false;
                if (reply is null && cluster!.SpeaksHttp2(downstreamIsHttp2: false))
                {
                    await RareReplyAsync(fault: null, cluster).ConfigureAwait(false);
                    reply = _rareReply;
                    forwarded = true;
                }

                var policy = _action?.Retry ?? RetryPolicy.Disabled;
                var retries = 0;
                var tried = new TriedEndpoints();
                var bodySent = false;
                ulong excludedLevels = 0; // locality levels retries leave out (retryRemoteLocalities)
                for (var attempt = 1; reply is null && !forwarded; attempt++)
                {
                    if (bodySent && !Replayable)
                    {
                        // The body outgrew the retry buffer between the decision and now (a chunked
                        // upload still coming in while the last attempt was stopped).
                        reply = LocalReplies.RetryBufferExceeded;
                        break;
                    }

                    var endpoint = retries == 0 ? cluster!.Pick(_hash) : PickForRetry(cluster, policy, tried, retries, ref excludedLevels);
                    if (endpoint is null)
                    {
                        reply = LocalReplies.For(ForwardError.NoHealthyUpstream);
                        break;
                    }

                    if (admitted is null)
                    {
                        if (!cluster.Breaker.TryStartRequest())
                        {
                            reply = LocalReplies.For(ForwardError.Overflow); // never retried
                            break;
                        }

                        admitted = cluster;
                    }

                    // 3a. A connection: an idle one, a new one, or (at maxConnections) a pending wait.
                    var error = ForwardError.None;
                    upstream = endpoint.Pool.TryTakeIdle();
                    var reused = upstream is not null;
                    if (upstream is null)
                    {
                        await LeaseIntoFieldsAsync(endpoint, cluster).ConfigureAwait(false);
                        (error, upstream) = (_leaseError, _leased);
                        _leased = null;
                        reused = upstream?.RequestsServed > 0;
                    }

                    // 3b. Send the request and read the response head.
                    var upstreamStarted = Stopwatch.GetTimestamp();
                    if (upstream is not null)
                    {
                        busy = endpoint;
                        _host = endpoint;
                        _attempts = attempt;
                        endpoint.RequestStarted();
                        _deadlines?.BeginTry(upstream, PerTryTimeout);
                        WriteRequestHead(upstream, attempt);
                        if (_request.ExpectContinue && _request.HasBody && !_continueSent)
                        {
                            // Envoy's default: answer 100 Continue itself and strip Expect upstream.
                            _continueSent = true;
                            _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                            await _output.FlushAsync().ConfigureAwait(false);
                        }

                        _bodyPump = StartRequestBody(upstream);
                        bodySent = true;
                        if (_bodyPump.IsCompleted)
                        {
                            // No body, or one already here and copied: send it all now (a pump flushes as it goes).
                            try
                            {
                                if ((await upstream.Output.FlushAsync().ConfigureAwait(false)).IsCompleted)
                                {
                                    error = ForwardError.UpstreamResetBeforeResponse;
                                }
                            }
                            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
                            {
                                error = ForwardError.UpstreamResetBeforeResponse;
                            }
                        }

                        // If the client goes away meanwhile, the upstream request is aborted so
                        // that its connection is freed now.
                        if (error == ForwardError.None)
                        {
                            WatchClientFor(upstream);
                            try
                            {
                                while (true)
                                {
                                    ReadResult response;
                                    try
                                    {
                                        response = await upstream.Input.ReadAsync().ConfigureAwait(false);
                                    }
                                    catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
                                    {
                                        error = ForwardError.UpstreamResetBeforeResponse;
                                        break;
                                    }

                                    if (ReadResponseHead(upstream, response, ref error) != HeadStep.NeedMore)
                                    {
                                        break;
                                    }
                                }
                            }
                            finally
                            {
                                StopWatchingClient();
                            }
                        }

                        error = TimeoutOr(error);
                        _deadlines?.EndTry();
                    }

                    // 3c. Retry? Decided before anything goes downstream.
                    RecordOutlier(cluster, endpoint, upstream is not null, error);
                    if (upstream is not null && error == ForwardError.UpstreamResetBeforeResponse && reused && Replayable)
                    {
                        // A keep-alive connection the server closed while idle: replay on a fresh
                        // one. Not an attempt; nothing reached the server that matters.
                        _flags &= ~ResponseFlags.UpstreamConnectionTermination;
                        await FinishRequestBody(upstream).ConfigureAwait(false);
                        endpoint.RequestFinished();
                        busy = null;
                        upstream.Pool.Discard(upstream);
                        upstream = null;
                        attempt--;
                        continue;
                    }

                    if (IsRetriable(policy, error) && CanRetry(policy, retries, cluster))
                    {
                        await FinishRequestBody(upstream).ConfigureAwait(false);
                        if (busy is not null)
                        {
                            busy.RequestFinished();
                            busy = null;
                        }

                        if (upstream is not null)
                        {
                            upstream.Pool.Discard(upstream);
                            upstream = null;
                        }

                        tried[Math.Min(retries, RememberedEndpoints - 1)] = endpoint;
                        retries++;
                        _server.Telemetry.OnUpstreamRetry(cluster);
                        _retrySlots++; // held until the request ends: the retry is outstanding until then
                        await RetryBackoffAsync(policy, retries).ConfigureAwait(false);

                        if (_deadlines?.RouteExpired == true)
                        {
                            reply = LocalReplies.For(ForwardError.RouteTimeout);
                            break;
                        }

                        continue;
                    }

                    if (retries > 0 && IsRetriable(policy, error))
                    {
                        _flags |= ResponseFlags.UpstreamRetryLimitExceeded;
                    }

                    if (upstream is null)
                    {
                        reply = Reply(error);
                        break;
                    }

                    if (error == ForwardError.None && _response.StatusCode == 101)
                    {
                        // A WebSocket upgrade the upstream accepted: the connection is a tunnel now.
                        await FinishRequestBody(upstream).ConfigureAwait(false);
                        await RunUpgradedAsync(upstream, upstreamStarted).ConfigureAwait(false);
                        endpoint.RequestFinished();
                        busy = null;
                        upstream = null;
                        EndAttempts(ref admitted);
                        ReportCompleted();
                        return;
                    }

                    // 3d. Head and body downstream.
                    var responseBody = BodyResult.Complete;
                    if (error == ForwardError.None)
                    {
                        WriteResponseHead(upstreamStarted);
                        if (_upstreamFraming == BodyFraming.ContentLength && !LendsResponseBody)
                        {
                            // The common case, inline: copy each read and flush with back-pressure.
                            var remaining = _response.ContentLength;
                            while (remaining > 0 && responseBody == BodyResult.Complete)
                            {
                                ReadResult body;
                                try
                                {
                                    body = await upstream.Input.ReadAsync().ConfigureAwait(false);
                                }
                                catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
                                {
                                    responseBody = BodyResult.SourceEnded;
                                    break;
                                }

                                responseBody = CopyBodyRead(upstream.Input, body, ref remaining);
                                if (responseBody == BodyResult.Complete && remaining > 0)
                                {
                                    responseBody = await FlushDownstreamAsync().ConfigureAwait(false);
                                }
                            }

                            if (responseBody == BodyResult.Complete)
                            {
                                responseBody = await FlushDownstreamAsync().ConfigureAwait(false);
                            }
                        }
                        else
                        {
                            responseBody = await StreamResponseBodyAsync(upstream).ConfigureAwait(false);
                        }

                        if (responseBody != BodyResult.Complete && _deadlines?.RouteExpired == true)
                        {
                            _flags |= ResponseFlags.UpstreamRequestTimeout;
                        }
                    }

                    // 3e. Settle the request body, then both connections.
                    var requestBody = await FinishRequestBody(upstream).ConfigureAwait(false);
                    endpoint.RequestFinished();
                    busy = null;
                    var settlement = Settle(upstream, ref error, requestBody, responseBody);
                    upstream = null;
                    if (settlement == Settlement.Reply)
                    {
                        reply = Reply(error);
                    }
                    else if (settlement == Settlement.Abort)
                    {
                        EndAttempts(ref admitted);
                        ReportCompleted();
                        AbortDownstream();
                        return;
                    }

                    break;
                }

                EndAttempts(ref admitted);
                DispatchDeferredMirrors(); // a body no pump saw end: whole in the input now, or never mirrored

                // A body nobody read must leave the pipe before the next request can be parsed:
                // one that arrived whole is skipped; one still streaming ends the connection.
                if (!ConsumeBufferedBody())
                {
                    _keepAlive = false;
                }

                if (reply is { } local)
                {
                    WriteLocalReply(local);
                    await _output.FlushAsync().ConfigureAwait(false);
                }

                ReportCompleted();
                if (!_keepAlive)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            // The client reset or went away, or shutdown aborted the connection.
        }
        catch (Exception e)
        {
            ProxyLog.SessionFailed(_logger, e, Remote);
        }
        finally
        {
            if (_reportPending)
            {
                // The connection ended mid-request (client gone, or cut by a drain timeout):
                // Envoy logs such a request too, with DC and the status sent so far (0 if none).
                _flags |= ResponseFlags.DownstreamConnectionTermination;
                ReportCompleted();
            }

            busy?.RequestFinished();
            if (upstream is not null)
            {
                upstream.Pool.Discard(upstream);
                if (!_bodyPump.IsCompleted)
                {
                    // The input completes below: not while a pump still reads it, nor while a lend
                    // of its blocks is out.
                    _input.CancelPendingRead();
                    _requestLender?.Redeem();
                    await AwaitAbandonedPumpAsync().ConfigureAwait(false);
                }
            }

            EndAttempts(ref admitted);
            EndClientWatch();
            _deadlines?.Dispose();
            _timer.Dispose();
            if (!SwitchedToHttp2)
            {
                await _input.CompleteAsync().ConfigureAwait(false);
                await _output.CompleteAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The client opened with the HTTP/2 preface (h2c prior knowledge): the connection is handed to HTTP/2.</summary>
    public bool SwitchedToHttp2 { get; private set; }

    /// <summary>
    /// Before the first request: the HTTP/2 connection preface switches protocols; until enough bytes
    /// arrived to tell, the read goes on (true: handled). A request line is parsed as usual, and so is
    /// anything else (it gets its 400). A read cut by the head timer is left to the parser (408).
    /// </summary>
    /// <summary>A head has started: the rest of it must come within the head timeout, counted from its first byte.</summary>
    private void ArmHeadTimeout()
    {
        if (_timer.Armed != ConnectionWait.RequestHead)
        {
            _timer.Arm(ConnectionWait.RequestHead, _server.Options.RequestHeadTimeout);
        }
    }

    private bool SniffHttp2(in ReadResult read, ref bool betweenRequests)
    {
        var buffer = read.Buffer;
        var sniff = Http2Preface.Sniff(buffer);
        if (sniff == ProtocolSniffResult.Http2)
        {
            _input.AdvanceTo(buffer.Start);
            _timer.Disarm();
            SwitchedToHttp2 = true;
            return true;
        }

        if (sniff == ProtocolSniffResult.Incomplete && !buffer.IsEmpty && !read.IsCompleted && !read.IsCanceled)
        {
            _input.AdvanceTo(buffer.Start, buffer.End);
            betweenRequests = false;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The fault filter's answer, or an HTTP/1.1 request forwarded to an HTTP/2 upstream: rare paths,
    /// whose reply is left in <see cref="_rareReply"/>. Awaiting a ValueTask&lt;LocalReply?&gt; in
    /// RunAsync itself put its awaiter and copies (~300 bytes) in RunAsync's frame, which is zeroed
    /// whenever the method resumes, twice on every request that takes neither path.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private async ValueTask RareReplyAsync(FaultPolicy? fault, Cluster? cluster)
    {
        if (fault is not null)
        {
            _rareReply = await InjectFaultAsync(fault).ConfigureAwait(false);
            return;
        }

        if (_request.ExpectContinue && _request.HasBody && !_continueSent)
        {
            // Envoy's default: answer 100 Continue itself and strip Expect upstream.
            _continueSent = true;
            _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            await _output.FlushAsync().ConfigureAwait(false);
        }

        _rareReply = await ForwardAsync(cluster!).ConfigureAwait(false);
    }

    /// <summary>
    /// A new or waited-for upstream connection (no idle one was free), left in <see cref="_leased"/>
    /// and <see cref="_leaseError"/>, for the same reason as <see cref="RareReplyAsync"/>: the tuple
    /// awaiter stays out of RunAsync's frame.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private async ValueTask LeaseIntoFieldsAsync(Endpoint endpoint, Cluster cluster)
        => (_leaseError, _leased) = await LeaseAsync(endpoint, cluster).ConfigureAwait(false);

    private void BeginRequest()
    {
        BeginExchange();
        _requestsOnConnection++;
        _keepAlive = Http1Persistence.IsPersistent(_request) && !_server.Draining
                     && (_server.Options.MaxRequestsPerConnection == 0 || _requestsOnConnection < _server.Options.MaxRequestsPerConnection);
        _requestFraming = BodyFraming.None;
        _upstreamFraming = BodyFraming.None;
        _downstreamFraming = BodyFraming.None;
        _continueSent = false;
        _bodyPump = default;
        _bodyKept = false;
        _keptChunkedLength = -1;
        _mirrorsPending = false;
        _upgrade = UpgradeRequest.Of(_request);
        _bodyConsumed = !_request.HasBody;
    }

    /// <summary>Hands the finished request to the access log and metrics.</summary>
    private void ReportCompleted()
        => ReportCompleted(_request.Version == HttpVersion.Http10 ? "HTTP/1.0" : "HTTP/1.1", _connection.RemoteEndPoint, _connection.LocalEndPoint);

    /// <summary>
    /// Ends the client connection with a reset, not a FIN: after a truncated response a FIN could
    /// pass for the end of a close-delimited body, and a reset cannot (bytes still unsent are
    /// dropped — the client must see a failure, never a complete-looking message).
    /// </summary>
    private void AbortDownstream()
    {
        if (_connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try
            {
                socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        _connection.Abort(new ConnectionAbortedException("upstream response ended early"));
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> FlushDownstreamAsync()
    {
        try
        {
            return (await _output.FlushAsync().ConfigureAwait(false)).IsCompleted ? BodyResult.DestinationGone : BodyResult.Complete;
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            return BodyResult.DestinationGone;
        }
    }
}
