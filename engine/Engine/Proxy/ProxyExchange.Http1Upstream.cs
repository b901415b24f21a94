using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Http2;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// An attempt over an HTTP/1.1 upstream connection for a request that did not come over HTTP/1.1
/// (an HTTP/2 stream): the head is serialised as HTTP/1.1 (cookie crumbs joined, RFC 9113 §8.2.3),
/// a body of unknown length goes chunked, and the response is parsed and de-framed.
/// </summary>
internal abstract partial class ProxyExchange
{
    private static readonly Action<object?> AbortOnClientGone = static state => ((IAbortableUpstream)state!).Abort();

    private ChunkedDecoder? _upstreamChunks;
    private BodyFraming _h1ResponseFraming;
    private bool _h1Reusable;

    /// <summary>
    /// Takes (or opens) a connection to <paramref name="endpoint"/> and sends the request head, and
    /// the body when it is here whole (else a pump streams it). Completes without suspending when a
    /// pooled connection is idle and its output takes the request at once.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<(ForwardError Error, bool Connected, bool Reused)> SendHttp1RequestAsync(Endpoint endpoint, Cluster cluster, int attempt)
    {
        var upstream = endpoint.Pool.TryTakeIdle();
        var reused = upstream is not null;
        if (upstream is null)
        {
            ForwardError connectError;
            (connectError, upstream) = await LeaseAsync(endpoint, cluster).ConfigureAwait(false);
            if (upstream is null)
            {
                return (connectError, false, false);
            }

            reused = upstream.RequestsServed > 0;
        }

        if (ClientGone.IsCancellationRequested)
        {
            // The client left while we connected (a stream reset at once, the rapid-reset shape):
            // nothing was sent, so the fresh connection stays for the next request.
            endpoint.Pool.Return(upstream, countRequest: false);
            return (ForwardError.DownstreamGone, true, false);
        }

        _h1Upstream = upstream;
        _h1Reusable = false;
        _deadlines?.BeginTry(upstream, PerTryTimeout);
        Http2HeaderTranslation.JoinCookies(_request);

        // The body: whole and replayable, or streamed (chunked unless its length is declared).
        var options = _server.Options;
        var hasBody = MayHaveBody;
        System.Buffers.ReadOnlySequence<byte> body = default;
        var buffered = hasBody && TryPeekWholeBody(out body);
        var bodyLength = buffered ? body.Length : hasBody ? -1 : 0;

        RequestHeadSerializer.Write(upstream.Output, _request, new UpstreamRequestExtras(
            options.SendAttemptCount ? attempt : 0,
            options.GenerateRequestId,
            BodyLength: bodyLength,
            ChunkedBody: hasBody && !buffered && _request.ContentLength < 0,
            ExpectedTimeoutMs: ExpectedTimeoutMs(attempt),
            RewriteGrpcTimeout: RewritesGrpcTimeout));
        if (buffered)
        {
            BodyCopier.Write(upstream.Output, body);
            EndPeek(); // left in place: a retry sends it again
        }
        else if (hasBody)
        {
            _requestPump = PumpRequestBodyAsync(upstream, encodeChunked: _request.ContentLength < 0);
        }

        var error = ForwardError.None;
        if (_requestPump.IsCompleted)
        {
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

        if (error != ForwardError.None)
        {
            return (error, true, reused);
        }

        return (ForwardError.None, true, reused); // ForwardAsync reads the response head
    }

    /// <summary>
    /// Reads an HTTP/1.1 attempt's response head into <see cref="_response"/> (1xx skipped) from
    /// what <paramref name="read"/> brought; <see cref="HeadStep.NeedMore"/> asks for the next read.
    /// The awaits are the caller's (ForwardAsync): a nested method that suspends costs a second
    /// pooled box, its copy and one more completion hop on every request (~400 instructions).
    /// </summary>
    private HeadStep OnHttp1ResponseRead(UpstreamConnection upstream, in ReadResult read, ref ForwardError error)
    {
        var step = ReadResponseHead(upstream, read, ref error);
        if (step == HeadStep.Final)
        {
            NoteHttp1ResponseFraming();
        }

        return step;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> PumpRequestBodyAsync(UpstreamConnection upstream, bool encodeChunked)
    {
        // A large body of declared length goes lent to a connection that can take a loan (epoll).
        var lender = !encodeChunked && _request.ContentLength >= MinLentBodyBytes ? upstream.Output as IOutboundLender : null;
        var result = await CopyRequestBodyAsync(upstream.Output, encodeChunked, lender).ConfigureAwait(false);
        if (result is BodyResult.SourceInvalid or BodyResult.SourceEnded)
        {
            upstream.Abort(); // the upstream waits for bytes that will never come
        }

        return result;
    }

    /// <summary>A final response head was read (1xx skipped, capped): its framing, noted for the body.</summary>
    private void NoteHttp1ResponseFraming()
    {
        _h1ResponseFraming = !HttpResponseHead.CanHaveBody(_request.Method, _response.StatusCode) ? BodyFraming.None
            : _response.Chunked ? BodyFraming.Chunked
            : _response.ContentLength >= 0 ? BodyFraming.ContentLength
            : BodyFraming.UntilClose;
        _h1Reusable = _h1ResponseFraming != BodyFraming.UntilClose && Http1Persistence.IsPersistent(_response);
    }

    /// <summary>
    /// Smallest body worth lending rather than copying: a lend always waits for its bytes to be
    /// sent before the next read, where a copy of a small body is cheaper than that wait.
    /// </summary>
    private protected const long MinLentBodyBytes = 16 * 1024;

    /// <summary>Where an answer's body may be lent rather than copied (null: copy it): the client's side, when it passes the body on as it comes.</summary>
    private protected virtual IOutboundLender? ResponseBodyLender => ResponseBodyChunked ? null : ResponseBodyWriter as IOutboundLender;

    /// <summary>
    /// An HTTP/1.1 answer's body of known length, to the client: lent where the client's side can
    /// send from the upstream's buffer (the epoll transport's output; an HTTP/2 stream), else copied.
    /// </summary>
    private protected virtual ValueTask<BodyResult> CopyLengthResponseBodyAsync(PipeReader source, long length)
        => length >= MinLentBodyBytes && ResponseBodyLender is { } lender
            ? BodyCopier.LendLengthAsync(source, lender, length, _sent)
            : BodyCopier.CopyLengthAsync(source, ResponseBodyWriter, length, _sent, encodeChunked: ResponseBodyChunked);

    private ValueTask<BodyResult> CopyHttp1ResponseBodyAsync(UpstreamConnection upstream)
    {
        var writer = ResponseBodyWriter;
        var chunked = ResponseBodyChunked;
        switch (_h1ResponseFraming)
        {
            case BodyFraming.ContentLength:
                return CopyLengthResponseBodyAsync(upstream.Input, _response.ContentLength);
            case BodyFraming.Chunked:
                _upstreamChunks ??= new ChunkedDecoder(_server.Options.Http1Limits);
                _upstreamChunks.Reset();
                return BodyCopier.CopyChunkedAsync(upstream.Input, writer, _upstreamChunks, chunked, _sent);
            case BodyFraming.UntilClose:
                return BodyCopier.CopyUntilCloseAsync(upstream.Input, writer, chunked, _sent);
            default:
                return new ValueTask<BodyResult>(BodyResult.Complete);
        }
    }
}
