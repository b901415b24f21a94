using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>The steps of one exchange with an upstream connection, called from <see cref="RunAsync"/>.</summary>
internal sealed partial class Http1ProxySession
{
    private void WriteRequestHead(UpstreamConnection upstream, int attempt)
    {
        var options = _server.Options;
        _informational = 0;
        RequestHeadSerializer.Write(upstream.Output, _request, new UpstreamRequestExtras(
            options.SendAttemptCount ? attempt : 0,
            options.GenerateRequestId,
            ExpectedTimeoutMs: ExpectedTimeoutMs(attempt),
            RewriteGrpcTimeout: RewritesGrpcTimeout,
            Upgrade: _upgrade == UpgradeKind.WebSocket));
    }

    /// <summary>
    /// Starts sending the request body. A Content-Length body that has already arrived in full is
    /// sent from the input pipe and left there until the request is over, so a retry can send it
    /// again (the usual small POST: replayable at no cost). Anything else streams from a pump that
    /// runs while the response is read, so an upstream that answers early or echoes as it reads
    /// cannot deadlock against us. A Content-Length body within <see cref="ProxyOptions.MaxReplayBodyBytes"/>
    /// stays in the pipe as it streams (<see cref="PumpKeptBodyAsync"/>), so it can be replayed too,
    /// as Envoy buffers a body up to its retry buffer limit, and so does a chunked body while its
    /// raw bytes are within it; a larger body is consumed as it goes and cannot be. A synchronously completed result means the caller flushes.
    /// <para>
    /// Bodies of <see cref="ProxyExchange.MinLentBodyBytes"/> and more are lent to the upstream
    /// connection's output where it can take a loan (the epoll transport), not copied into it: the
    /// socket sends them from the client's input blocks (<see cref="_requestLender"/>).
    /// </para>
    /// </summary>
    private ValueTask<BodyResult> StartRequestBody(UpstreamConnection upstream)
    {
        _requestLender = null;
        if (!_request.HasBody)
        {
            return new ValueTask<BodyResult>(BodyResult.Complete);
        }

        _requestFraming = _request.Chunked ? BodyFraming.Chunked : BodyFraming.ContentLength;
        var lender = _requestFraming == BodyFraming.ContentLength && _request.ContentLength >= MinLentBodyBytes
            ? upstream.Output as IRedeemableLender
            : null;
        _requestLender = lender;
        if (_requestFraming == BodyFraming.ContentLength && _request.ContentLength <= _server.Options.MaxReplayBodyBytes && TryReadKept(out var read))
        {
            var buffer = read.Buffer;
            if (buffer.Length >= _request.ContentLength)
            {
                var body = buffer.Slice(0, _request.ContentLength);
                _input.AdvanceTo(buffer.Start); // consumed when the request is over (ConsumeBufferedBody)
                DispatchDeferredMirrors(); // it came whole after the head did
                if (lender is not null)
                {
                    return LendBufferedBodyAsync(lender, body);
                }

                BodyCopier.Write(upstream.Output, body);
                return new ValueTask<BodyResult>(BodyResult.Complete);
            }

            _input.AdvanceTo(buffer.Start);
        }

        if (_requestFraming == BodyFraming.ContentLength && _request.ContentLength <= _server.Options.MaxReplayBodyBytes)
        {
            return PumpKeptBodyAsync(upstream.Output, upstream, lender); // consumed when the request is over (ConsumeBufferedBody)
        }

        if (_requestFraming == BodyFraming.Chunked)
        {
            return PumpKeptChunkedBodyAsync(upstream.Output, encodeChunked: true, upstream); // kept while within the limit (Http1ProxySession.KeptChunkedBody.cs)
        }

        _bodyConsumed = true; // the pump takes it from here (or the connection closes)
        return PumpRequestBodyAsync(upstream, lender);
    }

    /// <summary>
    /// Streams a Content-Length body upstream as it arrives without consuming it: each read sends
    /// (lends or copies) what is new past the bytes already sent and marks the pipe examined up to
    /// there, so the reader waits for more while the body stays whole for a replay. Back-pressure
    /// counts unexamined bytes only, so the kept body never stalls the client's upload; its size
    /// is bounded by <see cref="ProxyOptions.MaxReplayBodyBytes"/>. Counted as received when the
    /// request is over (ConsumeBufferedBody), whatever the attempts.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> PumpKeptBodyAsync(PipeWriter output, UpstreamConnection? upstream, IOutboundLender? lender)
    {
        _bodyKept = true;
        var length = _request.ContentLength;
        long sent = 0;
        var first = true;
        while (sent < length)
        {
            ReadResult read;
            try
            {
                read = await ReadKeptAsync(first).ConfigureAwait(false);
                first = false;
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                upstream?.Abort(); // the upstream waits for bytes that will never come
                return BodyResult.SourceEnded;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                return lender is null ? BodyResult.Canceled : await FinishStoppedBodyAsync(upstream!, skip: sent, length - sent, consume: false).ConfigureAwait(false);
            }

            var available = Math.Min(buffer.Length, length);
            if (available <= sent)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    upstream?.Abort();
                    return BodyResult.SourceEnded;
                }

                continue;
            }

            var fresh = buffer.Slice(sent, available - sent);
            var examined = buffer.GetPosition(available);
            bool delivered;
            if (lender is not null)
            {
                delivered = await lender.LendAsync(fresh, endsMessage: available == length).ConfigureAwait(false);
            }
            else
            {
                BodyCopier.Write(output, fresh);
                delivered = await BodyCopier.FlushAsync(output).ConfigureAwait(false) == BodyResult.Complete;
            }

            _input.AdvanceTo(buffer.Start, examined);
            if (!delivered)
            {
                return BodyResult.DestinationGone;
            }

            sent = available;
        }

        DispatchDeferredMirrors();
        return BodyResult.Complete;
    }

    /// <summary>
    /// A kept body's pump reads: the first takes what the input holds at once, because a retry's
    /// pump starts again from the body's first byte, and a read would wait for bytes past those an
    /// earlier pass examined (forever, when the client has sent the whole body already).
    /// </summary>
    private ValueTask<ReadResult> ReadKeptAsync(bool first)
    {
        if (first && TryReadKept(out var read))
        {
            // A cancel TryReadKept used (or a stale one) is not this pump's stop.
            return new ValueTask<ReadResult>(new ReadResult(read.Buffer, isCanceled: false, read.IsCompleted));
        }

        return _input.ReadAsync();
    }

    /// <summary>
    /// TryRead of the input that also finds the bytes a kept body's pump has examined. A
    /// <see cref="Pipe"/> (the Kestrel transport) reports only bytes past the examined mark, so it
    /// is asked through a pending-read cancel, which makes it hand back everything unconsumed (the
    /// kept body is there, so the read does come back and takes the cancel with it). The epoll
    /// transport's pipe reports unconsumed bytes anyway.
    /// </summary>
    private bool TryReadKept(out ReadResult read)
    {
        if (_input.TryRead(out read))
        {
            return true;
        }

        if (!_bodyKept)
        {
            return false;
        }

        _input.CancelPendingRead();
        return _input.TryRead(out read);
    }

    /// <summary>
    /// A whole body lent from the input pipe, where it stays (unconsumed) for a retry: sent once
    /// the upstream's socket has taken every byte; the pipe is consumed only when the request is over.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> LendBufferedBodyAsync(IOutboundLender lender, ReadOnlySequence<byte> body)
    {
        var sent = await lender.LendAsync(body, endsMessage: true).ConfigureAwait(false);
        return sent ? BodyResult.Complete : BodyResult.DestinationGone;
    }

    /// <summary>
    /// Whether the request can be sent again: no body, or one still whole in the input pipe —
    /// sent from there (<see cref="StartRequestBody"/>) or not touched at all, as after a refused
    /// connection. Only a body that a pump has taken out of the pipe is gone.
    /// </summary>
    private protected override bool Replayable => !_request.HasBody || !_bodyConsumed;

    private protected override bool MayHaveBody => _request.HasBody;

    private SequencePosition _peekStart;

    private protected override bool TryPeekWholeBody(out ReadOnlySequence<byte> body)
    {
        body = default;
        if (_request.Chunked || _request.ContentLength > _server.Options.MaxReplayBodyBytes || !TryReadKept(out var read))
        {
            return false;
        }

        if (read.Buffer.Length < _request.ContentLength)
        {
            _input.AdvanceTo(read.Buffer.Start);
            return false;
        }

        body = read.Buffer.Slice(0, _request.ContentLength);
        _peekStart = body.Start;
        return true;
    }

    // The downstream side of the shared attempt loop (ProxyExchange.Forward.cs), which this session
    // uses for upstreams that speak HTTP/2; HTTP/1.1 upstreams take the inline loop in RunAsync.
    private bool _chunkedResponse;

    private protected override PipeWriter ResponseBodyWriter => _output;

    private protected override bool ResponseBodyChunked => _chunkedResponse;

    /// <summary>
    /// To an HTTP/2 upstream (the inline loop serves HTTP/1.1 ones): copied into the stream, never
    /// lent, and kept for a retry as on the inline loop — a body of declared length within the
    /// replay limit, or a chunked one while its raw bytes are — so a streamed upload is retried too.
    /// </summary>
    private protected override ValueTask<BodyResult> CopyRequestBodyAsync(PipeWriter destination, bool encodeChunked, IOutboundLender? lender = null)
    {
        if (_request.Chunked)
        {
            return PumpKeptChunkedBodyAsync(destination, encodeChunked, upstream: null);
        }

        if (_request.ContentLength <= _server.Options.MaxReplayBodyBytes)
        {
            return PumpKeptBodyAsync(destination, upstream: null, lender: null);
        }

        _bodyConsumed = true;
        return BodyCopier.CopyLengthAsync(_input, destination, _request.ContentLength, _received, encodeChunked);
    }

    /// <summary>A chunked request's trailer fields, for an HTTP/2 upstream: there once its kept body has ended.</summary>
    private protected override HttpTrailers? RequestTrailers
        => _request.Chunked && _requestChunks.IsComplete && _requestChunks.Trailers.HeaderCount > 0 ? _requestChunks.Trailers : null;

    private protected override void CancelRequestBody() => _input.CancelPendingRead();

    private protected override void OnRequestBodyStopped(BodyResult result)
    {
        if (result != BodyResult.Canceled && _input.TryRead(out var stale))
        {
            _input.AdvanceTo(stale.Buffer.Start); // observes a cancellation nobody consumed (see FinishRequestBody)
        }
    }

    /// <summary>
    /// An HTTP/2 response head for an HTTP/1.1 client: a body of unknown length goes chunked to an
    /// HTTP/1.1 client and close-delimited to an HTTP/1.0 one; an empty one gets content-length: 0.
    /// </summary>
    private protected override ValueTask<bool> SendResponseHeadAsync(bool endStream)
    {
        var clientIs11 = _request.Version == HttpVersion.Http11;
        var unsized = _response.ContentLength < 0;
        _chunkedResponse = !endStream && unsized && clientIs11;
        if ((!endStream && unsized && !clientIs11) || _server.Draining)
        {
            _keepAlive = false;
        }

        if (endStream && unsized && HttpResponseHead.CanHaveBody(_request.Method, _response.StatusCode) && _response.StatusCode != 304)
        {
            _response.AddHeader("content-length"u8, "0"u8, KnownHeader.ContentLength);
        }

        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(
            Chunked: _chunkedResponse,
            Close: !_keepAlive,
            KeepAliveHeader: _keepAlive && !clientIs11,
            ServiceTimeMs: _server.Options.SendUpstreamServiceTime ? _serviceTimeMs : -1));
        return new ValueTask<bool>(true);
    }

    private protected override ValueTask<BodyResult> CompleteResponseAsync(HttpTrailers? trailers) => FlushDownstreamAsync();

    private protected override void AbortResponse() => AbortDownstream();

    private protected override void EndPeek() => _input.AdvanceTo(_peekStart);

    /// <summary>
    /// Takes an unread Content-Length body out of the input pipe when it is all there (a forwarded
    /// buffered body, or one a local reply never needed), or a kept chunked body a pump saw end;
    /// false when a body remains that cannot be skipped, so the connection cannot carry another
    /// request.
    /// </summary>
    private bool ConsumeBufferedBody()
    {
        if (_bodyConsumed)
        {
            return true;
        }

        if (_request.Chunked)
        {
            return ConsumeKeptChunkedBody();
        }

        if (!TryReadKept(out var read))
        {
            return false;
        }

        if (read.Buffer.Length < _request.ContentLength)
        {
            _input.AdvanceTo(read.Buffer.Start);
            return false;
        }

        // Counted here, once, however many attempts sent it: a body forwarded from the pipe, or
        // one a local reply never needed (Envoy counts what the client sent either way).
        var body = read.Buffer.Slice(0, _request.ContentLength);
        _received.Add(body.Length);
        _input.AdvanceTo(body.End);
        _bodyConsumed = true;
        return true;
    }

    /// <summary>
    /// Streams the request body upstream. If the client's body turns out to be invalid or the
    /// client goes away mid-body, the upstream connection is aborted at once: the upstream is
    /// waiting for bytes that will never come, and we are waiting for its answer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> PumpRequestBodyAsync(UpstreamConnection upstream, IOutboundLender? lender)
    {
        var result = _request.Chunked
            ? await BodyCopier.CopyChunkedAsync(_input, upstream.Output, _requestChunks, encodeChunked: true, _received).ConfigureAwait(false)
            : lender is not null
                ? await BodyCopier.LendLengthAsync(_input, lender, _request.ContentLength, _received).ConfigureAwait(false)
                : await BodyCopier.CopyLengthAsync(_input, upstream.Output, _request.ContentLength, _received).ConfigureAwait(false);
        if (result == BodyResult.Canceled && lender is not null)
        {
            // Stopped while a lend waited on the upstream (see FinishStoppedBodyAsync).
            result = await FinishStoppedBodyAsync(upstream, skip: 0, _request.ContentLength - _received.Bytes, consume: true).ConfigureAwait(false);
        }

        if (result is BodyResult.SourceInvalid or BodyResult.SourceEnded)
        {
            upstream.Abort();
        }

        return result;
    }

    /// <summary>
    /// A lending pump was stopped because the exchange is over (typically the upstream answered
    /// before it had read the whole upload; a lend waits for the upstream's socket, where a copy
    /// only waits for the client). If the client has sent the rest of the body already, it is
    /// copied into the upstream connection's output, as a copying pump would have put it there,
    /// and the body is complete: the client's connection stays open. Otherwise it stays stopped.
    /// The flush does not wait: the stop also cancelled the pending flush. <paramref name="skip"/>:
    /// bytes of the input's buffer already sent (a kept body starts at its first byte);
    /// <paramref name="consume"/>: a consuming pump's, the copied bytes leave the input.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> FinishStoppedBodyAsync(UpstreamConnection upstream, long skip, long remaining, bool consume)
    {
        if (remaining <= 0)
        {
            return BodyResult.Complete;
        }

        if (!_input.TryRead(out var read))
        {
            return BodyResult.Canceled;
        }

        var buffer = read.Buffer;
        if (buffer.Length < skip + remaining)
        {
            _input.AdvanceTo(buffer.Start);
            return BodyResult.Canceled;
        }

        BodyCopier.Write(upstream.Output, buffer.Slice(skip, remaining));
        var end = buffer.GetPosition(skip + remaining);
        _input.AdvanceTo(consume ? end : buffer.Start, end);
        if (consume)
        {
            _received.Add(remaining);
        }

        return await BodyCopier.FlushAsync(upstream.Output).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the attempt's request body to be sent (once; the pump is then forgotten); if the
    /// exchange is already over, stops the pump first (the client may still be uploading to an
    /// upstream that has finished answering).
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> FinishRequestBody(UpstreamConnection? upstream)
    {
        var pump = _bodyPump;
        _bodyPump = default;
        if (pump.IsCompleted || upstream is null)
        {
            return await pump.ConfigureAwait(false);
        }

        _input.CancelPendingRead();
        upstream.Output.CancelPendingFlush();
        // A lend out waits for the socket to take its bytes, which an upstream that answered
        // early may never do. Called back, the bytes not yet sent are copied into the connection's
        // output, where a copying pump would have put them: the body is complete if the client
        // sent all of it, and the input's blocks are the session's again once the pump ends.
        _requestLender?.Redeem();

        var result = await pump.ConfigureAwait(false);
        if (result != BodyResult.Canceled && _input.TryRead(out var stale))
        {
            // The pump ended on its own (it was finishing its last flush), so nothing consumed the
            // cancellation: armed, it would make the next request's head read come back canceled
            // and close the connection silently (found by the soak). TryRead observes it.
            _input.AdvanceTo(stale.Buffer.Start);
        }

        return result;
    }

    /// <summary>The session failed with a pump still out (its upstream already aborted): waits for it, whatever it ends with.</summary>
    private async ValueTask AwaitAbandonedPumpAsync()
    {
        var pump = _bodyPump;
        _bodyPump = default;
        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The session is failing already; the pump's own failure adds nothing.
        }
    }

    /// <summary>Chooses the body framing on both sides and writes the response head downstream (not flushed).</summary>
    private void WriteResponseHead(long upstreamStarted)
    {
        _upstreamFraming = !HttpResponseHead.CanHaveBody(_request.Method, _response.StatusCode) ? BodyFraming.None
            : _response.Chunked ? BodyFraming.Chunked
            : _response.ContentLength >= 0 ? BodyFraming.ContentLength
            : BodyFraming.UntilClose;

        // HTTP/1.1 clients get a delimited body whatever the upstream did, so their connection
        // survives a close-delimited response; HTTP/1.0 clients cannot read chunked.
        var clientIs11 = _request.Version == HttpVersion.Http11;
        _downstreamFraming = _upstreamFraming is BodyFraming.Chunked or BodyFraming.UntilClose
            ? (clientIs11 ? BodyFraming.Chunked : BodyFraming.UntilClose)
            : _upstreamFraming;
        if (_downstreamFraming == BodyFraming.UntilClose || _server.Draining)
        {
            _keepAlive = false;
        }

        _status = _response.StatusCode;
        _proxiedResponse = true;
        ApplyResponseEdits();
        _serviceTimeMs = (long)Stopwatch.GetElapsedTime(upstreamStarted).TotalMilliseconds;
        var serviceTimeMs = _server.Options.SendUpstreamServiceTime ? _serviceTimeMs : -1;
        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(
            Chunked: _downstreamFraming == BodyFraming.Chunked,
            Close: !_keepAlive,
            KeepAliveHeader: _keepAlive && !clientIs11,
            ServiceTimeMs: serviceTimeMs));
    }

    /// <summary>Copies one read of a Content-Length body downstream (without flushing).</summary>
    private BodyResult CopyBodyRead(PipeReader source, in ReadResult read, ref long remaining)
    {
        if (read.IsCanceled)
        {
            return BodyResult.Canceled;
        }

        var buffer = read.Buffer;
        if (buffer.IsEmpty && read.IsCompleted)
        {
            source.AdvanceTo(buffer.End);
            return BodyResult.SourceEnded;
        }

        var take = buffer.Length <= remaining ? buffer : buffer.Slice(0, remaining);
        BodyCopier.Write(_output, take);
        _sent.Add(take.Length);
        remaining -= take.Length;
        source.AdvanceTo(take.End);
        return BodyResult.Complete;
    }

    /// <summary>A large body of known length goes to the client lent (<see cref="IOutboundLender"/>), not copied by the inline loop.</summary>
    private bool LendsResponseBody => _response.ContentLength >= MinLentBodyBytes && _outputLender is not null;

    /// <summary>The less common response bodies: none (flush only), large and lent, chunked, or close-delimited.</summary>
    private ValueTask<BodyResult> StreamResponseBodyAsync(UpstreamConnection upstream) => _upstreamFraming switch
    {
        BodyFraming.None => FlushDownstreamAsync(),
        BodyFraming.ContentLength => BodyCopier.LendLengthAsync(upstream.Input, _outputLender!, _response.ContentLength, _sent),
        BodyFraming.Chunked => BodyCopier.CopyChunkedAsync(upstream.Input, _output, _responseChunks, _downstreamFraming == BodyFraming.Chunked, _sent),
        _ => BodyCopier.CopyUntilCloseAsync(upstream.Input, _output, _downstreamFraming == BodyFraming.Chunked, _sent),
    };

    /// <summary>
    /// Returns the upstream connection to its pool or discards it, and says what happens next.
    /// A connection is reused only when both messages ended exactly where their framing said.
    /// </summary>
    private Settlement Settle(UpstreamConnection upstream, ref ForwardError error, BodyResult requestBody, BodyResult responseBody)
    {
        var pool = upstream.Pool;
        if (error != ForwardError.None)
        {
            // Nothing went downstream yet.
            pool.Discard(upstream);
            if (_connection.ConnectionClosed.IsCancellationRequested)
            {
                _flags |= ResponseFlags.DownstreamConnectionTermination;
                _keepAlive = false;
                return Settlement.Close;
            }

            if (requestBody == BodyResult.SourceInvalid)
            {
                error = ForwardError.DownstreamBodyInvalid;
                _keepAlive = false;
            }

            return Settlement.Reply;
        }

        if (requestBody != BodyResult.Complete)
        {
            // The upstream answered before the whole request body went through: both connections
            // are out of step with their peers now (Envoy closes them too).
            _keepAlive = false;
        }

        switch (responseBody)
        {
            case BodyResult.Complete:
                var reusable = requestBody == BodyResult.Complete
                               && !_upstreamAbandoned // the client watch aborts it, maybe on another thread right now
                               && _upstreamFraming != BodyFraming.UntilClose
                               && Http1Persistence.IsPersistent(_response);
                if (reusable)
                {
                    pool.Return(upstream);
                }
                else
                {
                    pool.Discard(upstream);
                }

                return Settlement.Done;

            case BodyResult.DestinationGone:
                pool.Discard(upstream);
                _flags |= ResponseFlags.DownstreamConnectionTermination;
                _keepAlive = false;
                return Settlement.Close;

            default:
                pool.Discard(upstream);
                _flags |= ResponseFlags.UpstreamRemoteReset;
                _keepAlive = false;
                return Settlement.Abort;
        }
    }
}
