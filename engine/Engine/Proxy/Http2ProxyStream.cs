using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Http2;
using Engine.Http2.Server;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Http2;
using Engine.Transport;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// One request of a downstream HTTP/2 connection, proxied: the stream's decoded head is the
/// request model the HTTP/1.1 path uses, so routing, faults, mirrors, timeouts and retries are the
/// shared ones (<see cref="ProxyExchange"/>); this class is only the HTTP/2 downstream side — the
/// body from DATA frames, the response as HEADERS/DATA/trailers, resets instead of closed sockets.
/// </summary>
internal sealed class Http2ProxyStream : ProxyExchange, IStreamAbortWatch
{
    private static readonly HttpRequestHead NoRequest = new();

    private ConnectionContext _connection;
    private Http2ServerStream _stream = null!;
    private bool _bodyMayFollow;  // no END_STREAM on the request head
    private bool _bodyStreamed;   // a copy consumed (part of) the body from the pipe
    private bool _bodyEnded;      // ... all of it
    private bool _replayOverflow; // ... and more than the replay copy holds: no retry
    private bool _mirrorsPending; // mirrors wait for the body to have passed (it is copied for them)
    private bool _responseLent;   // the answer's body was lent to the stream, which ended the message with it
    // A streamed body kept to send again on a retry, up to ProxyOptions.MaxReplayBodyBytes (1 MiB,
    // Envoy's retry buffer limit); past it the request is no longer retried. Pooled blocks, given
    // back when the request is over: this exchange object is reused.
    private readonly ReplayCopy _replay = new();
    private SequencePosition _peekStart;

    public Http2ProxyStream(ProxyServer server, ConnectionContext connection, Interception.InterceptedConnection? intercepted = null)
        : base(server, NoRequest)
    {
        _connection = connection;
        _intercepted = intercepted;
    }

    /// <summary>
    /// Moves an idle stream object to another downstream connection (<see cref="Http2ProxyStreamPool"/>):
    /// its buffers and heads serve that connection's streams from then on.
    /// </summary>
    public void MoveTo(ConnectionContext connection, Interception.InterceptedConnection? intercepted)
    {
        _connection = connection;
        _intercepted = intercepted;
    }

    /// <summary>The downstream connection this stream object serves now.</summary>
    internal ConnectionContext Connection => _connection;

    private protected override string Remote => _connection.RemoteEndPoint?.ToString() ?? "?";

    private protected override System.Net.EndPoint? ClientEndPoint => _connection.RemoteEndPoint;

    private protected override System.Net.EndPoint? ServerEndPoint => _connection.LocalEndPoint;

    private protected override CancellationToken ClientGone => _stream.Aborted;

    private protected override bool ClientLeft => _stream.AbortSignaled;

    // The stream tells this exchange itself (AbortWatch, set for the request's life in RunAsync).
    private protected override void WatchClient()
    {
    }

    void IStreamAbortWatch.OnStreamAborted(Http2Stream stream)
    {
        // Only for the stream this exchange serves now: a signal of an earlier stream that comes
        // late finds the exchange gone on to another one, whose upstream is not the client's to abort.
        if (ReferenceEquals(Volatile.Read(ref _stream), stream))
        {
            OnClientGone();
        }
    }

    private protected override bool MayHaveBody => _bodyMayFollow;

    private protected override bool DownstreamIsHttp2 => true;

    private protected override bool Replayable => !_bodyMayFollow || !_replayOverflow;

    private protected override HttpTrailers? RequestTrailers => _stream.RequestTrailers;

    private protected override PipeWriter ResponseBodyWriter => _stream.ResponseBody;

    private protected override bool ResponseBodyChunked => false;

    private protected override Engine.Transport.IOutboundLender? ResponseBodyLender => _stream;

    /// <param name="owner">Gets this exchange back once the stream is done with it.</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    public async ValueTask RunAsync(Http2ServerStream stream, Http2ProxyConnection owner)
    {
        _stream = stream;
        _request = stream.Request;
        stream.AbortWatch = this;

        // The response is built in the stream's own head: handing it over then copies nothing
        // (copying it was ~580 instructions per request). Nothing changes it after it is sent.
        LendResponseHead(stream.ResponseHead);
        _bodyStreamed = false;
        _bodyEnded = false;
        _replayOverflow = false;
        _mirrorsPending = false;
        _responseLent = false;
        _replay.Clear();
        BeginExchange();
        try
        {
            // A declared content-length of 0 means no body, whatever DATA follows (the codec makes
            // such DATA a stream error): nothing is ever pumped upstream behind "content-length: 0".
            _bodyMayFollow = _request.ContentLength > 0 || (_request.ContentLength < 0 && (!BodyComplete() || HasBufferedBytes()));
            // Envoy's filter order (istio-semantics.md §1): fault, then CORS and the router's checks.
            var reply = Route(out var cluster);
            if (reply is null && _action!.Fault is { } fault)
            {
                reply = await InjectFaultAsync(fault).ConfigureAwait(false);
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
                if (_action!.Mirrors.Length > 0 && _bodyMayFollow && !BodyComplete())
                {
                    _mirrorsPending = true; // sent when the body has streamed through (CopyRequestBodyAsync)
                }
                else
                {
                    DispatchMirrors();
                }

                reply = await ForwardAsync(cluster!).ConfigureAwait(false);
                if (_mirrorsPending)
                {
                    // The body arrived whole before an attempt needed to stream it (so no copy
                    // dispatched the mirrors): it is in the pipe, or it never came whole (dropped).
                    _mirrorsPending = false;
                    DispatchMirrors();
                }
            }

            if (reply is { } local)
            {
                await SendLocalReplyAsync(local).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            _flags |= ResponseFlags.DownstreamConnectionTermination;
        }
        catch (Exception e)
        {
            // A bug of ours: this stream fails (INTERNAL_ERROR), the connection and its other streams go on.
            ProxyLog.SessionFailed(_logger, e, Remote);
            _stream.Reset(Http2ErrorCode.InternalError);
        }
        finally
        {
            if (_stream.End.IsEnded && _stream.End.Kind != Engine.Http2.Http2StreamEndKind.Completed && _status == 0)
            {
                _flags |= ResponseFlags.DownstreamConnectionTermination; // reset by the client before an answer
            }

            _deadlines?.End();
            ConsumeUnreadBody();
            _replay.Clear();
            ReportCompleted("HTTP/2", _connection.RemoteEndPoint, _connection.LocalEndPoint);
            _request = NoRequest; // the stream (and its heads) go back to the connection
            LendResponseHead(null);
            _stream.AbortWatch = null;
            Volatile.Write(ref _stream, null!);
            owner.Return(this); // the last use of this exchange: the next stream may take it at once
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private async ValueTask SendLocalReplyAsync(LocalReply reply)
    {
        var body = BuildLocalReply(reply);
        var withBody = body.Length > 0 && _request.Method != HttpMethod.Head;
        // Head, body and end in one step (local reply bodies are small: Envoy's texts, direct responses ≤ 1 MiB stream).
        var whole = withBody && body.Length <= _server.Options.Http2.MaxBufferedBytesPerStream;
        var sent = whole
            ? await _stream.WriteResponseAsync(_response, new ReadOnlySequence<byte>(body)).ConfigureAwait(false)
            : await _stream.WriteResponseHeadAsync(_response, endStream: !withBody).ConfigureAwait(false);
        if (!sent)
        {
            _flags |= ResponseFlags.DownstreamConnectionTermination;
            return;
        }

        if (withBody)
        {
            _sent.Add(body.Length);
        }

        if (withBody && !whole)
        {
            _stream.ResponseBody.Write(body);
            await _stream.ResponseBody.FlushAsync().ConfigureAwait(false);
            await _stream.ResponseBody.CompleteAsync().ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected override async ValueTask<bool> SendResponseHeadAsync(bool endStream)
    {
        AddServiceTime();
        return await _stream.WriteResponseHeadAsync(_response, endStream).ConfigureAwait(false);
    }

    private protected override bool SupportsWholeResponse => true;

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected override async ValueTask<bool> SendWholeResponseAsync(ReadOnlySequence<byte> body)
    {
        AddServiceTime();
        return await _stream.WriteResponseAsync(_response, body).ConfigureAwait(false);
    }

    private void AddServiceTime()
    {
        if (_server.Options.SendUpstreamServiceTime && _serviceTimeMs >= 0)
        {
            Span<byte> digits = stackalloc byte[20];
            System.Buffers.Text.Utf8Formatter.TryFormat(_serviceTimeMs, digits, out var length);
            _response.AddHeader("x-envoy-upstream-service-time"u8, digits[..length], KnownHeader.XEnvoyUpstreamServiceTime);
        }
    }

    /// <summary>A large body of known length is lent to the stream, not copied into it: the writer frames it from the upstream's input.</summary>
    private protected override ValueTask<BodyResult> CopyLengthResponseBodyAsync(PipeReader source, long length)
    {
        if (length < MinLentBodyBytes)
        {
            return BodyCopier.CopyLengthAsync(source, _stream.ResponseBody, length, _sent);
        }

        _responseLent = true;
        return BodyCopier.LendLengthAsync(source, _stream, length, _sent);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected override async ValueTask<BodyResult> CompleteResponseAsync(HttpTrailers? trailers)
    {
        if (_responseLent)
        {
            // END_STREAM went out on the last lent DATA frame: only the pipe end is left to close.
            await _stream.ResponseBody.CompleteAsync().ConfigureAwait(false);
            return BodyResult.Complete;
        }

        if (trailers is not null)
        {
            return await _stream.CompleteWithTrailersAsync(trailers).ConfigureAwait(false) ? BodyResult.Complete : BodyResult.DestinationGone;
        }

        var flushed = await BodyCopier.FlushAsync(_stream.ResponseBody).ConfigureAwait(false);
        await _stream.ResponseBody.CompleteAsync().ConfigureAwait(false);
        return flushed;
    }

    /// <summary>RST_STREAM(INTERNAL_ERROR): the client sees the response fail, not end.</summary>
    private protected override void AbortResponse() => _stream.Reset(Http2ErrorCode.InternalError);

    /// <summary>
    /// Streams the body upstream as it arrives, keeping a copy (up to <see cref="ProxyOptions.MaxReplayBodyBytes"/>)
    /// so that a retry can send again what an earlier attempt already consumed; the pipe is consumed
    /// as it goes, so the client's flow-control credit comes back at once. With a <paramref name="lender"/>
    /// each read is lent instead of copied into the destination, and consumed (its credit given
    /// back) once the upstream's socket took it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected override async ValueTask<BodyResult> CopyRequestBodyAsync(PipeWriter destination, bool encodeChunked, IOutboundLender? lender = null)
    {
        _bodyStreamed = true;
        if (_replay.Length > 0)
        {
            WriteBody(destination, _replay.AsSequence(), encodeChunked);
        }

        var body = _stream.RequestBody;
        while (!_bodyEnded)
        {
            var flushed = await BodyCopier.FlushAsync(destination).ConfigureAwait(false);
            if (flushed != BodyResult.Complete)
            {
                return flushed;
            }

            var read = await body.ReadAsync().ConfigureAwait(false);
            if (read.IsCanceled)
            {
                return _stream.End.IsEnded ? BodyResult.SourceEnded : BodyResult.Canceled;
            }

            var buffer = read.Buffer;
            if (!buffer.IsEmpty)
            {
                if (lender is null)
                {
                    WriteBody(destination, buffer, encodeChunked);
                }

                _received.Add(buffer.Length);
                if (!_replayOverflow && !_replay.TryAppend(buffer, _server.Options.MaxReplayBodyBytes, _stream.Connection.BufferPool))
                {
                    _replayOverflow = true;
                    _replay.Clear(); // no retry any more: the copy is of no use
                }

                if (lender is not null && !await lender.LendAsync(buffer, endsMessage: false).ConfigureAwait(false))
                {
                    body.AdvanceTo(buffer.End);
                    return BodyResult.DestinationGone;
                }
            }

            body.AdvanceTo(buffer.End);
            _bodyEnded = read.IsCompleted;
            if (_mirrorsPending && BodyCopied)
            {
                // At the body's end, not the stream's: a client may send END_STREAM on an empty
                // DATA frame after the last byte, and the upstream may answer (ending the
                // exchange and this copy) before it comes.
                _mirrorsPending = false;
                DispatchMirrors();
            }
        }

        if (encodeChunked)
        {
            destination.Write(ChunkedEncoder.LastChunk);
        }

        if (_mirrorsPending)
        {
            _mirrorsPending = false;
            DispatchMirrors(); // with the replay copy as the body, or counted as dropped when it overflowed
        }

        return await BodyCopier.FlushAsync(destination).ConfigureAwait(false);
    }

    private static void WriteBody(PipeWriter destination, in ReadOnlySequence<byte> data, bool encodeChunked)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (encodeChunked)
        {
            ChunkedEncoder.WriteChunkHeader(destination, data.Length);
        }

        BodyCopier.Write(destination, data);
        if (encodeChunked)
        {
            ChunkedEncoder.WriteChunkTerminator(destination);
        }
    }

    private protected override void OnRequestBodyStopped(BodyResult result)
    {
        if (result != BodyResult.Canceled && _stream.RequestBody.TryRead(out var stale))
        {
            _stream.RequestBody.AdvanceTo(stale.Buffer.Start); // observes a cancellation nobody consumed
        }
    }

    private protected override void CancelRequestBody() => _stream.RequestBody.CancelPendingRead();

    /// <summary>
    /// The whole body: still in the pipe when nothing consumed it yet, else the replay copy once the
    /// body has ended within its size (a retry after a streamed attempt, or a deferred mirror).
    /// </summary>
    private protected override bool TryPeekWholeBody(out ReadOnlySequence<byte> body)
    {
        body = default;
        if (_bodyStreamed)
        {
            if (!BodyCopied)
            {
                return false;
            }

            body = _replay.AsSequence();
            _peekStart = default;
            _peekedCopy = true;
            return true;
        }

        if (!_stream.RequestBody.TryRead(out var read))
        {
            return false;
        }

        if (!read.IsCompleted || read.IsCanceled || read.Buffer.Length > _server.Options.MaxReplayBodyBytes)
        {
            _stream.RequestBody.AdvanceTo(read.Buffer.Start);
            return false;
        }

        body = read.Buffer;
        _peekStart = body.Start;
        return true;
    }

    /// <summary>
    /// Whether the replay copy holds the whole body: END_STREAM came, or every byte of a declared
    /// length (the codec refuses more, so none can follow).
    /// </summary>
    private bool BodyCopied => !_replayOverflow && (_bodyEnded || (_request.ContentLength >= 0 && _replay.Length == _request.ContentLength));

    private protected override void EndPeek()
    {
        if (_peekedCopy)
        {
            _peekedCopy = false;
            return;
        }

        _stream.RequestBody.AdvanceTo(_peekStart);
    }

    private bool _peekedCopy;

    /// <summary>A body kept for replay (or never needed) leaves the pipe now, and is counted as received.</summary>
    private void ConsumeUnreadBody()
    {
        if (_bodyMayFollow && _stream.RequestBody.TryRead(out var read))
        {
            if (!_bodyStreamed)
            {
                _received.Add(read.Buffer.Length);
            }

            _stream.RequestBody.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Whether END_STREAM has arrived (the body, if any, is all in the pipe).</summary>
    private bool BodyComplete()
    {
        if (!_stream.RequestBody.TryRead(out var read))
        {
            return false;
        }

        _stream.RequestBody.AdvanceTo(read.Buffer.Start);
        return read.IsCompleted && !read.IsCanceled;
    }

    private bool HasBufferedBytes()
    {
        if (!_stream.RequestBody.TryRead(out var read))
        {
            return false;
        }

        _stream.RequestBody.AdvanceTo(read.Buffer.Start);
        return !read.Buffer.IsEmpty;
    }
}
