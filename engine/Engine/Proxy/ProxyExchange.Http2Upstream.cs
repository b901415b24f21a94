using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Http2;
using Engine.Http2.Client;
using Engine.Protocols.Http;
using Engine.Routing.Policies;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// An attempt over an HTTP/2 stream of the endpoint's multiplexed pool (clusters whose port speaks
/// HTTP/2: gRPC, http2, or h2UpgradePolicy UPGRADE). The request head is the same model whichever
/// protocol brought it; the encoder drops connection-specific fields and turns Host into
/// :authority (RFC 9113 §8.2.2, §8.3.1). What ended a stream decides the retry: REFUSED_STREAM and
/// streams above a GOAWAY were never processed (refused-stream), other resets are "reset".
/// </summary>
internal abstract partial class ProxyExchange
{
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<(ForwardError Error, bool Connected, bool Reused)> StartHttp2AttemptAsync(Endpoint endpoint, int attempt)
    {
        var open = await endpoint.Pool.Http2.OpenStreamAsync(_deadlines?.Token ?? ClientGone).ConfigureAwait(false);
        if (open.Stream is not { } stream)
        {
            if (open.Outcome == ConnectOutcome.TimedOut && _deadlines?.RouteExpired == true)
            {
                return (ForwardError.RouteTimeout, false, false);
            }

            if (open.Outcome == ConnectOutcome.Overflow)
            {
                return (ForwardError.Overflow, false, false); // never retried, never an outlier error
            }

            _flags |= ResponseFlags.UpstreamConnectionFailure;
            NoteConnectFailure(endpoint, open.Outcome, open.TransportFailure, open.FailureDetail);
            return (ForwardError.ConnectFailed, false, false);
        }

        _h2Upstream = stream;
        _deadlines?.BeginTry(stream, PerTryTimeout);
        WriteHttp2RequestHead(stream.RequestHead, attempt, upstreamTls: endpoint.Pool.Settings.Tls is not null);
        if (UpgradeForwarded)
        {
            return await StartHttp2UpgradeAsync(stream).ConfigureAwait(false);
        }

        System.Buffers.ReadOnlySequence<byte> body = default;
        var hasBody = MayHaveBody;
        var buffered = hasBody && TryPeekWholeBody(out body);
        var endStream = !hasBody || (buffered && body.IsEmpty && RequestTrailers is null);
        var whole = buffered && !endStream && RequestTrailers is null && body.Length <= stream.Connection.Options.MaxBufferedBytesPerStream;
        if (whole)
        {
            // A whole body at hand (a unary gRPC call): head, body and end leave in one send.
            var queued = await stream.WriteRequestAsync(stream.RequestHead, body).ConfigureAwait(false);
            EndPeek(); // left in place: a retry sends it again
            if (!queued)
            {
                return (Http2StreamError(stream), true, false);
            }
        }
        else
        {
            if (!await stream.WriteRequestHeadAsync(stream.RequestHead, endStream).ConfigureAwait(false))
            {
                if (buffered)
                {
                    EndPeek();
                }

                return (Http2StreamError(stream), true, false);
            }

            if (buffered && !endStream)
            {
                BodyCopier.Write(stream.RequestBody, body);
                EndPeek(); // left in place: a retry sends it again
                _requestPump = FinishHttp2RequestAsync(stream);
            }
            else if (buffered)
            {
                EndPeek();
            }
            else if (hasBody)
            {
                _requestPump = PumpRequestBodyAsync(stream);
            }
        }

        using (ClientGone.UnsafeRegister(AbortOnClientGone, stream))
        {
            if (!await stream.ReadResponseHeadAsync(_response).ConfigureAwait(false))
            {
                return (Http2StreamError(stream), true, false);
            }
        }

        return (ForwardError.None, true, false);
    }

    /// <summary>
    /// A WebSocket upgrade over HTTP/2, as Envoy carries one across an HTTP/2 hop: the GET with
    /// Upgrade becomes an extended CONNECT (RFC 8441 §4: :method CONNECT, :protocol websocket, the
    /// same :scheme, :path and :authority; Upgrade and Connection are connection-specific and left
    /// out), sent without END_STREAM: the stream carries the WebSocket's bytes once a 2xx answers.
    /// A server whose SETTINGS did not enable extended CONNECT gets nothing: 502, as a request
    /// the upstream codec cannot send.
    /// </summary>
    private async ValueTask<(ForwardError Error, bool Connected, bool Reused)> StartHttp2UpgradeAsync(Http2ClientStream stream)
    {
        if (!((Http2ClientConnection)stream.Connection).MayExtendConnect)
        {
            _flags |= ResponseFlags.UpstreamProtocolError;
            return (ForwardError.UpstreamProtocolError, true, false);
        }

        var head = stream.RequestHead;
        head.Method = Protocols.Http.HttpMethod.Connect;
        head.MethodBytes = default;
        head.Protocol = head.Append("websocket"u8);
        if (!await stream.WriteRequestHeadAsync(head, endStream: false).ConfigureAwait(false))
        {
            return (Http2StreamError(stream), true, false);
        }

        using (ClientGone.UnsafeRegister(AbortOnClientGone, stream))
        {
            if (!await stream.ReadResponseHeadAsync(_response).ConfigureAwait(false))
            {
                return (Http2StreamError(stream), true, false);
            }
        }

        return (ForwardError.None, true, false);
    }

    /// <summary>
    /// The request as any HTTP/2 upstream gets it, an attempt or a mirror's copy: routing edits
    /// applied, the proxy's own fields (x-envoy-attempt-count, Expect) left out, x-forwarded-proto
    /// and x-request-id added when missing, :scheme https over TLS.
    /// </summary>
    private protected void CopyHttp2RequestHead(HttpRequestHead head, bool upstreamTls)
    {
        head.CopyFrom(_request);
        RemoveAll(head, "x-envoy-attempt-count"u8);
        RemoveAll(head, "expect"u8); // answered by the proxy; HTTP/2 has no 100-continue dance with us
        if (head.IndexOf(KnownHeader.XForwardedProto) < 0)
        {
            head.AddHeader("x-forwarded-proto"u8, head.Scheme.Length == 5 ? "https"u8 : "http"u8, KnownHeader.XForwardedProto);
        }

        if (upstreamTls && head.Scheme.Length != 5)
        {
            head.Scheme = head.Append("https"u8);
        }

        if (_server.Options.GenerateRequestId && head.IndexOf(KnownHeader.XRequestId) < 0)
        {
            Span<byte> uuid = stackalloc byte[36];
            RequestIds.NewUuid(uuid);
            head.AddHeader("x-request-id"u8, uuid, KnownHeader.XRequestId);
        }
    }

    /// <summary>
    /// The upstream head: the request's own (routing edits applied) plus what the sidecar adds on
    /// every upstream request (see <see cref="RequestHeadSerializer"/> for HTTP/1.1). Over TLS the
    /// :scheme is https, as Envoy's router sets it from the upstream transport (an HTTP/2 server
    /// such as Kestrel rejects a stream whose :scheme does not match its connection).
    /// </summary>
    private void WriteHttp2RequestHead(HttpRequestHead head, int attempt, bool upstreamTls)
    {
        CopyHttp2RequestHead(head, upstreamTls);
        var options = _server.Options;
        if (options.SendAttemptCount)
        {
            Span<byte> digits = stackalloc byte[11];
            System.Buffers.Text.Utf8Formatter.TryFormat(attempt, digits, out var length);
            head.AddHeader("x-envoy-attempt-count"u8, digits[..length], KnownHeader.XEnvoyAttemptCount);
        }

        if (ExpectedTimeoutMs(attempt) is var expected and > 0)
        {
            WriteExpectedTimeout(head, expected);
        }
    }

    /// <summary>Envoy's setTimeoutHeaders: the deadline the upstream has, and for gRPC its grpc-timeout (see <see cref="RequestHeadSerializer"/>).</summary>
    private void WriteExpectedTimeout(HttpRequestHead head, long expected)
    {
        RemoveAll(head, KnownHeader.XEnvoyExpectedRqTimeoutMs);
        Span<byte> value = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(expected, value, out var length);
        head.AddHeader("x-envoy-expected-rq-timeout-ms"u8, value[..length], KnownHeader.XEnvoyExpectedRqTimeoutMs);
        if (RewritesGrpcTimeout)
        {
            RemoveAll(head, KnownHeader.GrpcTimeout);
            length = GrpcTimeout.Format(expected, value);
            head.AddHeader("grpc-timeout"u8, value[..length], KnownHeader.GrpcTimeout);
        }
    }

    private static void RemoveAll(HttpHead head, KnownHeader known)
    {
        for (var i = head.IndexOf(known); i >= 0; i = head.IndexOf(known))
        {
            head.RemoveHeaderAt(i);
        }
    }

    private static void RemoveAll(HttpHead head, ReadOnlySpan<byte> name)
    {
        for (var i = head.IndexOf(name); i >= 0; i = head.IndexOf(name))
        {
            head.RemoveHeaderAt(i);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> PumpRequestBodyAsync(Http2ClientStream stream)
    {
        var result = await CopyRequestBodyAsync(stream.RequestBody, encodeChunked: false).ConfigureAwait(false);
        if (result != BodyResult.Complete)
        {
            stream.Reset(); // a truncated request must not reach the server as a complete one
            return result;
        }

        return await FinishHttp2RequestAsync(stream).ConfigureAwait(false);
    }

    /// <summary>Ends the request: trailers when the client sent some, else END_STREAM after the body.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> FinishHttp2RequestAsync(Http2ClientStream stream)
    {
        if (RequestTrailers is { } trailers)
        {
            return await stream.CompleteWithTrailersAsync(trailers).ConfigureAwait(false) ? BodyResult.Complete : BodyResult.DestinationGone;
        }

        var flushed = await BodyCopier.FlushAsync(stream.RequestBody).ConfigureAwait(false);
        await stream.RequestBody.CompleteAsync().ConfigureAwait(false);
        return flushed;
    }

    /// <summary>What a stream that ended before its response head means for the request.</summary>
    private ForwardError Http2StreamError(Http2ClientStream stream)
    {
        var end = stream.End;
        if (end.IsRetriable)
        {
            _flags |= ResponseFlags.UpstreamRemoteReset;
            return ForwardError.UpstreamRefusedStream;
        }

        if (end.Kind == Http2StreamEndKind.ResetLocally && end.Reason != Protocols.Http2.Http2Error.None)
        {
            _flags |= ResponseFlags.UpstreamProtocolError;
            return ForwardError.UpstreamProtocolError; // a malformed response: we reset the stream
        }

        if (end.Kind == Http2StreamEndKind.ResetByPeer)
        {
            _flags |= ResponseFlags.UpstreamRemoteReset;
            return ForwardError.UpstreamResetStream;
        }

        _flags |= ResponseFlags.UpstreamConnectionTermination;
        return ForwardError.UpstreamResetBeforeResponse;
    }

    /// <summary>The response body until END_STREAM; a reset on the way is a truncated body.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> CopyHttp2ResponseBodyAsync(Http2ClientStream stream)
    {
        // A large body of known length is lent; trailers may still follow it, so it does not end the message.
        var result = _response.ContentLength >= MinLentBodyBytes && ResponseBodyLender is { } lender
            ? await BodyCopier.LendUntilEndAsync(stream.ResponseBody, lender, _sent).ConfigureAwait(false)
            : await BodyCopier.CopyUntilCloseAsync(stream.ResponseBody, ResponseBodyWriter, ResponseBodyChunked, _sent).ConfigureAwait(false);
        if (result == BodyResult.Canceled || (result == BodyResult.Complete && stream.End.Kind is Http2StreamEndKind.ResetByPeer or Http2StreamEndKind.ConnectionLost or Http2StreamEndKind.ResetLocally))
        {
            return BodyResult.SourceEnded;
        }

        return result;
    }
}
