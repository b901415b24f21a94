using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>The steps of one exchange with an upstream connection, called from <see cref="RunAsync"/>.</summary>
internal sealed partial class Http1ProxySession
{
    private static readonly Action<object?> AbortUpstream = static state => ((UpstreamConnection)state!).Abort();

    private int _informational;

    private enum HeadStep
    {
        NeedMore,
        Final,
        Failed,
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UpstreamConnection?> ConnectAsync(Endpoint endpoint)
    {
        var (_, connection) = await endpoint.Pool.ConnectAsync(_connection.ConnectionClosed).ConfigureAwait(false);
        if (connection is null)
        {
            _flags |= ResponseFlags.UpstreamConnectionFailure;
        }

        return connection;
    }

    private void WriteRequestHead(UpstreamConnection upstream, int attempt)
    {
        var options = _server.Options;
        _informational = 0;
        RequestHeadSerializer.Write(upstream.Output, _request, new UpstreamRequestExtras(options.SendAttemptCount ? attempt : 0, options.GenerateRequestId));
    }

    /// <summary>
    /// Starts sending the request body. A Content-Length body that has already arrived in full is
    /// copied synchronously (the usual small POST); anything else streams from a pump that runs
    /// while the response is read, so an upstream that answers early or echoes as it reads
    /// cannot deadlock against us. A synchronously completed result means the caller flushes.
    /// </summary>
    private ValueTask<BodyResult> StartRequestBody(UpstreamConnection upstream)
    {
        if (!_request.HasBody)
        {
            return new ValueTask<BodyResult>(BodyResult.Complete);
        }

        _requestFraming = _request.Chunked ? BodyFraming.Chunked : BodyFraming.ContentLength;
        if (_requestFraming == BodyFraming.ContentLength && _input.TryRead(out var read))
        {
            var buffer = read.Buffer;
            if (buffer.Length >= _request.ContentLength)
            {
                var body = buffer.Slice(0, _request.ContentLength);
                BodyCopier.Write(upstream.Output, body);
                _received.Add(body.Length);
                _input.AdvanceTo(body.End);
                return new ValueTask<BodyResult>(BodyResult.Complete);
            }

            _input.AdvanceTo(buffer.Start);
        }

        return PumpRequestBodyAsync(upstream);
    }

    /// <summary>
    /// Streams the request body upstream. If the client's body turns out to be invalid or the
    /// client goes away mid-body, the upstream connection is aborted at once: the upstream is
    /// waiting for bytes that will never come, and we are waiting for its answer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyResult> PumpRequestBodyAsync(UpstreamConnection upstream)
    {
        var result = _request.Chunked
            ? await BodyCopier.CopyChunkedAsync(_input, upstream.Output, _requestChunks, encodeChunked: true, _received).ConfigureAwait(false)
            : await BodyCopier.CopyLengthAsync(_input, upstream.Output, _request.ContentLength, _received).ConfigureAwait(false);
        if (result is BodyResult.SourceInvalid or BodyResult.SourceEnded)
        {
            upstream.Abort();
        }

        return result;
    }

    /// <summary>
    /// Waits for the request body to be sent; if the exchange is already over, stops the pump
    /// first (the client may still be uploading to an upstream that has finished answering).
    /// </summary>
    private ValueTask<BodyResult> FinishRequestBody(ValueTask<BodyResult> pump, UpstreamConnection upstream)
    {
        if (!pump.IsCompleted)
        {
            _input.CancelPendingRead();
            upstream.Output.CancelPendingFlush();
        }

        return pump;
    }

    /// <summary>Parses what arrived of the response head into <see cref="_response"/>; 1xx heads are skipped.</summary>
    private HeadStep ReadResponseHead(UpstreamConnection upstream, in ReadResult read, ref ForwardError error)
    {
        var buffer = read.Buffer;
        var status = Http1ResponseParser.TryParseResponse(buffer, _response, _limits, out var consumed, out _);
        if (status == Http1ParseStatus.Error)
        {
            upstream.Input.AdvanceTo(buffer.End);
            _flags |= ResponseFlags.UpstreamProtocolError;
            error = ForwardError.UpstreamProtocolError;
            return HeadStep.Failed;
        }

        if (status == Http1ParseStatus.Incomplete)
        {
            upstream.Input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                _flags |= ResponseFlags.UpstreamConnectionTermination;
                error = ForwardError.UpstreamResetBeforeResponse;
                return HeadStep.Failed;
            }

            return HeadStep.NeedMore;
        }

        upstream.Input.AdvanceTo(consumed);
        if (_response.StatusCode >= 200)
        {
            return HeadStep.Final;
        }

        // 1xx: 100 Continue was answered by us already; 101 cannot happen because Upgrade is not
        // forwarded, so it is a protocol error; the rest are capped (robustness.md §1.6).
        if (_response.StatusCode == 101 || ++_informational > _limits.MaxInformationalResponses)
        {
            _flags |= ResponseFlags.UpstreamProtocolError;
            error = ForwardError.UpstreamProtocolError;
            return HeadStep.Failed;
        }

        return HeadStep.NeedMore;
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

    /// <summary>The less common response bodies: none (flush only), chunked, or close-delimited.</summary>
    private ValueTask<BodyResult> StreamResponseBodyAsync(UpstreamConnection upstream) => _upstreamFraming switch
    {
        BodyFraming.None => FlushDownstreamAsync(),
        BodyFraming.Chunked => BodyCopier.CopyChunkedAsync(upstream.Input, _output, _responseChunks, _downstreamFraming == BodyFraming.Chunked, _sent),
        _ => BodyCopier.CopyUntilCloseAsync(upstream.Input, _output, _downstreamFraming == BodyFraming.Chunked, _sent),
    };

    /// <summary>
    /// Returns the upstream connection to its pool or discards it, and says what happens next.
    /// A connection is reused only when both messages ended exactly where their framing said.
    /// </summary>
    private Settlement Settle(UpstreamConnection upstream, bool reused, ref ForwardError error, BodyResult requestBody, BodyResult responseBody)
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
                return Settlement.Reply;
            }

            if (error == ForwardError.UpstreamResetBeforeResponse && reused && _requestFraming == BodyFraming.None)
            {
                // The server's idle timer won the race with our reuse; nothing reached it that matters.
                _flags &= ~ResponseFlags.UpstreamConnectionTermination;
                return Settlement.RetryOnFreshConnection;
            }

            if (_requestFraming != BodyFraming.None)
            {
                _keepAlive = false; // part of the request body may have been consumed
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
