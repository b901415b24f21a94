using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Upstream;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    private static readonly Action<object?> AbortUpstream = static state => ((UpstreamConnection)state!).Abort();

    /// <summary>
    /// One attempt against one endpoint: lease a connection, send the request, stream the
    /// response back. A reused keep-alive connection that turns out to be dead before any
    /// response byte (the server's idle timer won the race) is replaced by a fresh one once,
    /// when the request body has not been touched yet.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ForwardError> ExchangeAsync(Endpoint endpoint, int attempt)
    {
        var pool = endpoint.Pool;
        var connection = pool.TryTakeIdle();
        while (true)
        {
            var reused = connection is not null;
            if (connection is null)
            {
                var (_, opened) = await pool.ConnectAsync(_connection.ConnectionClosed).ConfigureAwait(false);
                if (opened is null)
                {
                    _flags |= ResponseFlags.UpstreamConnectionFailure;
                    return ForwardError.ConnectFailed;
                }

                connection = opened;
            }

            endpoint.RequestStarted();
            ExchangeResult result;
            try
            {
                result = await ExchangeOnAsync(connection, attempt).ConfigureAwait(false);
            }
            finally
            {
                endpoint.RequestFinished();
            }

            if (result.Reusable)
            {
                pool.Return(connection);
            }
            else
            {
                pool.Discard(connection);
            }

            if (result.Error == ForwardError.UpstreamResetBeforeResponse && result.Replayable && reused)
            {
                connection = null;
                continue;
            }

            return result.Error;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ExchangeResult> ExchangeOnAsync(UpstreamConnection upstream, int attempt)
    {
        var options = _server.Options;
        var upstreamStarted = Stopwatch.GetTimestamp();
        RequestHeadSerializer.Write(upstream.Output, _request, new UpstreamRequestExtras(options.SendAttemptCount ? attempt : 0, options.GenerateRequestId));

        // The request body streams while the response is read, so an upstream that answers
        // before reading everything (or echoes as it reads) cannot deadlock against us.
        var requestBody = BodyFraming.None;
        ValueTask<BodyResult> bodyPump = default;
        if (_request.HasBody)
        {
            requestBody = _request.Chunked ? BodyFraming.Chunked : BodyFraming.ContentLength;
            if (_request.ExpectContinue)
            {
                // Envoy's default: answer 100 Continue itself and strip Expect upstream.
                _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                await _output.FlushAsync().ConfigureAwait(false);
            }

            bodyPump = PumpRequestBodyAsync(upstream);
        }
        else
        {
            var flush = await upstream.Output.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return new ExchangeResult(ForwardError.UpstreamResetBeforeResponse, Reusable: false, Replayable: true);
            }
        }

        var head = await ReadResponseHeadAsync(upstream).ConfigureAwait(false);
        if (head != ForwardError.None)
        {
            var pumpResult = await FinishRequestBodyAsync(bodyPump, upstream, requestBody).ConfigureAwait(false);
            if (pumpResult == BodyResult.SourceInvalid)
            {
                return new ExchangeResult(ForwardError.DownstreamBodyInvalid, false, false);
            }

            // Replaying is safe only when no request byte beyond the head was taken from the client.
            return new ExchangeResult(_connection.ConnectionClosed.IsCancellationRequested ? ForwardError.DownstreamGone : head, false, requestBody == BodyFraming.None);
        }

        return await StreamResponseAsync(upstream, bodyPump, requestBody, upstreamStarted).ConfigureAwait(false);
    }

    /// <summary>Reads the final response head (skipping 1xx) into <see cref="_response"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ForwardError> ReadResponseHeadAsync(UpstreamConnection upstream)
    {
        var limits = _server.Options.Http1Limits;
        var informational = 0;

        // If the client goes away while we wait, abort the upstream request so that its
        // connection is freed now rather than when the upstream gets round to answering.
        using var registration = _connection.ConnectionClosed.UnsafeRegister(AbortUpstream, upstream);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await upstream.Input.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return ForwardError.UpstreamResetBeforeResponse;
            }

            var buffer = read.Buffer;
            _response.Reset();
            var status = Http1ResponseParser.TryParseResponse(buffer, _response, limits, out var consumed, out _);
            if (status == Http1ParseStatus.Error)
            {
                upstream.Input.AdvanceTo(buffer.End);
                _flags |= ResponseFlags.UpstreamProtocolError;
                return ForwardError.UpstreamProtocolError;
            }

            if (status == Http1ParseStatus.Incomplete)
            {
                upstream.Input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                {
                    _flags |= ResponseFlags.UpstreamConnectionTermination;
                    return ForwardError.UpstreamResetBeforeResponse;
                }

                continue;
            }

            upstream.Input.AdvanceTo(consumed);
            if (_response.StatusCode >= 200)
            {
                return ForwardError.None;
            }

            // 1xx: 100 Continue was already answered by us; 101 cannot happen because Upgrade is
            // not forwarded (so it is a protocol error); cap the rest (robustness.md §1.6).
            if (_response.StatusCode == 101 || ++informational > limits.MaxInformationalResponses)
            {
                _flags |= ResponseFlags.UpstreamProtocolError;
                return ForwardError.UpstreamProtocolError;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ExchangeResult> StreamResponseAsync(UpstreamConnection upstream, ValueTask<BodyResult> bodyPump, BodyFraming requestBody, long upstreamStarted)
    {
        var upstreamFraming = !HttpResponseHead.CanHaveBody(_request.Method, _response.StatusCode) ? BodyFraming.None
            : _response.Chunked ? BodyFraming.Chunked
            : _response.ContentLength >= 0 ? BodyFraming.ContentLength
            : BodyFraming.UntilClose;

        // HTTP/1.1 clients get a delimited body whatever the upstream did, so their connection
        // survives a close-delimited response; HTTP/1.0 clients cannot read chunked.
        var clientIs11 = _request.Version == HttpVersion.Http11;
        var downstreamFraming = upstreamFraming switch
        {
            BodyFraming.Chunked or BodyFraming.UntilClose => clientIs11 ? BodyFraming.Chunked : BodyFraming.UntilClose,
            _ => upstreamFraming,
        };
        if (downstreamFraming == BodyFraming.UntilClose || _server.Draining)
        {
            _keepAlive = false;
        }

        _status = _response.StatusCode;
        var serviceTimeMs = (long)Stopwatch.GetElapsedTime(upstreamStarted).TotalMilliseconds;
        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(
            Chunked: downstreamFraming == BodyFraming.Chunked,
            Close: !_keepAlive,
            KeepAliveHeader: _keepAlive && !clientIs11,
            ServiceTimeMs: _server.Options.SendUpstreamServiceTime ? serviceTimeMs : -1));

        var body = upstreamFraming switch
        {
            BodyFraming.None => await BodyCopier.FlushAsync(_output).ConfigureAwait(false),
            BodyFraming.ContentLength => await BodyCopier.CopyLengthAsync(upstream.Input, _output, _response.ContentLength).ConfigureAwait(false),
            BodyFraming.Chunked => await BodyCopier.CopyChunkedAsync(upstream.Input, _output, _responseChunks, downstreamFraming == BodyFraming.Chunked).ConfigureAwait(false),
            _ => await BodyCopier.CopyUntilCloseAsync(upstream.Input, _output, downstreamFraming == BodyFraming.Chunked).ConfigureAwait(false),
        };

        var requestResult = await FinishRequestBodyAsync(bodyPump, upstream, requestBody).ConfigureAwait(false);
        if (requestResult != BodyResult.Complete)
        {
            // The upstream answered before the whole request body went through: both connections
            // are now out of step with their peers (Envoy closes them too).
            _keepAlive = false;
        }

        switch (body)
        {
            case BodyResult.Complete:
                var reusable = requestResult == BodyResult.Complete
                               && upstreamFraming != BodyFraming.UntilClose
                               && (_response.Connection & ConnectionOptions.Close) == 0
                               && (_response.Version == HttpVersion.Http11 || (_response.Connection & ConnectionOptions.KeepAlive) != 0);
                return new ExchangeResult(ForwardError.None, reusable, false);
            case BodyResult.DestinationGone:
                return new ExchangeResult(ForwardError.DownstreamGone, false, false);
            default:
                // Truncated or invalid upstream body after the head went out: abort downstream.
                return new ExchangeResult(ForwardError.UpstreamResetAfterHeaders, false, false);
        }
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
            ? await BodyCopier.CopyChunkedAsync(_input, upstream.Output, _requestChunks, encodeChunked: true).ConfigureAwait(false)
            : await BodyCopier.CopyLengthAsync(_input, upstream.Output, _request.ContentLength).ConfigureAwait(false);
        if (result is BodyResult.SourceInvalid or BodyResult.SourceEnded)
        {
            upstream.Abort();
        }

        return result;
    }

    /// <summary>
    /// Waits for the request-body pump; if the exchange is already over, stops it first (the
    /// client may still be uploading to an upstream that has finished answering).
    /// </summary>
    private async ValueTask<BodyResult> FinishRequestBodyAsync(ValueTask<BodyResult> bodyPump, UpstreamConnection upstream, BodyFraming requestBody)
    {
        if (requestBody == BodyFraming.None)
        {
            return BodyResult.Complete;
        }

        if (!bodyPump.IsCompleted)
        {
            _input.CancelPendingRead();
            upstream.Output.CancelPendingFlush();
        }

        return await bodyPump.ConfigureAwait(false);
    }

    private readonly record struct ExchangeResult(ForwardError Error, bool Reusable, bool Replayable);
}
