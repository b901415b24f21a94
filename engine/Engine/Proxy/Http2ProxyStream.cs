using System.Buffers;
using System.IO.Pipelines;
using Engine.Http2.Server;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// One request of a downstream HTTP/2 connection, proxied: the stream's decoded head is the
/// request model the HTTP/1.1 path uses, so routing, faults, mirrors, timeouts and retries are the
/// shared ones (<see cref="ProxyExchange"/>); this class is only the HTTP/2 downstream side — the
/// body from DATA frames, the response as HEADERS/DATA/trailers, resets instead of closed sockets.
/// </summary>
internal sealed class Http2ProxyStream : ProxyExchange
{
    /// <summary>
    /// How much of a body of unknown length is waited for to keep it replayable (retries, mirrors).
    /// Bounded well under the connection's receive window: streams that wait cannot starve the
    /// connection of credit for the others.
    /// </summary>
    private const int MaxWaitForUnsizedBody = 64 * 1024;

    private static readonly HttpRequestHead NoRequest = new();

    private readonly ConnectionContext _connection;
    private Http2ServerStream _stream = null!;
    private bool _bodyMayFollow;  // no END_STREAM on the request head
    private bool _bodyStreamed;   // a copy consumed (part of) the body: it cannot be sent again
    private SequencePosition _peekStart;

    public Http2ProxyStream(ProxyServer server, ConnectionContext connection)
        : base(server, NoRequest)
    {
        _connection = connection;
    }

    private protected override string Remote => _connection.RemoteEndPoint?.ToString() ?? "?";

    private protected override CancellationToken ClientGone => _stream.Aborted;

    private protected override bool MayHaveBody => _bodyMayFollow;

    private protected override bool Replayable => !_bodyMayFollow || (!_bodyStreamed && BodyComplete());

    private protected override HttpTrailers? RequestTrailers => _stream.RequestTrailers;

    private protected override PipeWriter ResponseBodyWriter => _stream.ResponseBody;

    private protected override bool ResponseBodyChunked => false;

    public async ValueTask RunAsync(Http2ServerStream stream)
    {
        _stream = stream;
        _request = stream.Request;
        _bodyStreamed = false;
        BeginExchange();
        try
        {
            _bodyMayFollow = !BodyComplete() || _request.ContentLength > 0 || HasBufferedBytes();
            var reply = Route(out var cluster);
            if (reply is null && _action!.Fault is { } fault)
            {
                reply = await InjectFaultAsync(fault).ConfigureAwait(false);
            }

            if (reply is null)
            {
                if (_bodyMayFollow && (_action!.Retry.Attempts > 0 || _action.Mirrors.Length > 0))
                {
                    await WaitForReplayableBodyAsync().ConfigureAwait(false);
                }

                DispatchMirrors();
                Deadlines(_action!)?.Begin(_action!.Timeout);
                reply = await ForwardAsync(cluster!).ConfigureAwait(false);
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
        finally
        {
            if (_stream.End.IsEnded && _stream.End.Kind != Engine.Http2.Http2StreamEndKind.Completed && _status == 0)
            {
                _flags |= ResponseFlags.DownstreamConnectionTermination; // reset by the client before an answer
            }

            _deadlines?.End();
            ConsumeUnreadBody();
            ReportCompleted("HTTP/2", _connection.RemoteEndPoint, _connection.LocalEndPoint);
            _request = NoRequest; // the stream (and its head) goes back to the connection
            _stream = null!;
        }
    }

    private async ValueTask SendLocalReplyAsync(LocalReply reply)
    {
        var body = BuildLocalReply(reply);
        var withBody = body.Length > 0 && _request.Method != HttpMethod.Head;
        if (!await _stream.WriteResponseHeadAsync(_response, endStream: !withBody).ConfigureAwait(false))
        {
            _flags |= ResponseFlags.DownstreamConnectionTermination;
            return;
        }

        if (withBody)
        {
            _stream.ResponseBody.Write(body);
            _sent.Add(body.Length);
            await _stream.ResponseBody.FlushAsync().ConfigureAwait(false);
            await _stream.ResponseBody.CompleteAsync().ConfigureAwait(false);
        }
    }

    private protected override async ValueTask<bool> SendResponseHeadAsync(bool endStream)
    {
        if (_server.Options.SendUpstreamServiceTime && _serviceTimeMs >= 0)
        {
            Span<byte> digits = stackalloc byte[20];
            System.Buffers.Text.Utf8Formatter.TryFormat(_serviceTimeMs, digits, out var length);
            _response.AddHeader("x-envoy-upstream-service-time"u8, digits[..length]);
        }

        return await _stream.WriteResponseHeadAsync(_response, endStream).ConfigureAwait(false);
    }

    private protected override async ValueTask<BodyResult> CompleteResponseAsync(HttpTrailers? trailers)
    {
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

    private protected override ValueTask<BodyResult> CopyRequestBodyAsync(PipeWriter destination, bool encodeChunked)
    {
        _bodyStreamed = true;
        return BodyCopier.CopyUntilCloseAsync(_stream.RequestBody, destination, encodeChunked, _received);
    }

    private protected override void CancelRequestBody() => _stream.RequestBody.CancelPendingRead();

    private protected override bool TryPeekWholeBody(out ReadOnlySequence<byte> body)
    {
        body = default;
        if (_bodyStreamed || !_stream.RequestBody.TryRead(out var read))
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

    private protected override void EndPeek() => _stream.RequestBody.AdvanceTo(_peekStart);

    /// <summary>
    /// Waits until the body has all arrived when it can be kept whole for a retry or a mirror: a
    /// declared length within the replay limit, or an unsized one within <see cref="MaxWaitForUnsizedBody"/>.
    /// Nothing is consumed (so no flow-control credit is returned for it meanwhile).
    /// </summary>
    private async ValueTask WaitForReplayableBodyAsync()
    {
        var limit = _request.ContentLength >= 0
            ? (_request.ContentLength <= _server.Options.MaxReplayBodyBytes ? _request.ContentLength : -1)
            : MaxWaitForUnsizedBody;
        var body = _stream.RequestBody;
        while (limit >= 0)
        {
            var read = await body.ReadAsync().ConfigureAwait(false);
            if (read.IsCompleted || read.IsCanceled || read.Buffer.Length > limit)
            {
                body.AdvanceTo(read.Buffer.Start);
                return;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

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
