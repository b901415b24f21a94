using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing.Actions;

namespace Engine.Proxy;

internal abstract partial class ProxyExchange
{
    /// <summary>The local reply for a request the codec rejected; the connection closes after it.</summary>
    private protected LocalReply RejectionFor(Http1Error error)
    {
        _keepAlive = false;
        ProxyLog.BadRequest(_logger, Remote, error.ToString());
        return new LocalReply(Http1ErrorStatus.StatusFor(error), Encoding.ASCII.GetString(Http1ErrorStatus.Describe(error)), ResponseFlags.DownstreamProtocolError);
    }

    /// <summary>
    /// Fills <see cref="_response"/> with a response the proxy makes itself, in Envoy's shape:
    /// plain-text body, <c>server: envoy</c>, <c>x-envoy-overloaded</c> when a circuit breaker
    /// tripped, and — once a route matched — the route's response header edits (Envoy's router
    /// finalises its local replies with them too). A gRPC caller gets a trailers-only answer
    /// instead (HTTP 200, <c>grpc-status</c> mapped from the HTTP status, the text as
    /// <c>grpc-message</c>), as Envoy converts local replies for gRPC requests. Returns the body
    /// to send (a HEAD request gets the length but not the body: the caller's business).
    /// </summary>
    private protected byte[] BuildLocalReply(in LocalReply original)
    {
        var reply = original.GrpcStatus is null && GrpcLocalReplies.IsGrpcRequest(_request)
            ? original with { GrpcStatus = GrpcLocalReplies.FromHttpStatus(original.Status), GrpcMessage = original.Body }
            : original;
        _status = reply.GrpcStatus is null ? reply.Status : 200;
        _flags |= reply.Flags;
        _proxiedResponse = false;
        if (_server.Draining)
        {
            _keepAlive = false;
        }

        _response.Reset();
        _response.Version = HttpVersion.Http11;
        _response.StatusCode = reply.GrpcStatus is null ? reply.Status : 200;
        if (reply.GrpcStatus is { } grpc)
        {
            // gRPC clients get a trailers-only answer: HTTP 200 with grpc-status in the headers.
            Span<byte> code = stackalloc byte[4];
            System.Buffers.Text.Utf8Formatter.TryFormat(grpc, code, out var codeLength);
            _response.AddHeader("content-type"u8, "application/grpc"u8, KnownHeader.ContentType);
            _response.AddHeader("grpc-status"u8, code[..codeLength]);
            _response.AddHeader("grpc-message"u8, reply.GrpcMessage is { Length: > 0 } message ? message : "fault filter abort"u8);
            reply = reply with { Body = [] };
        }
        else if (reply.Body.Length > 0)
        {
            _response.AddHeader("content-type"u8, "text/plain"u8, KnownHeader.ContentType);
        }

        if (reply.Overloaded)
        {
            _response.AddHeader("x-envoy-overloaded"u8, "true"u8, KnownHeader.XEnvoyOverloaded);
        }

        if (_location is not null)
        {
            Span<byte> location = stackalloc byte[Math.Min(Encoding.UTF8.GetByteCount(_location), 4096)];
            var written = Encoding.UTF8.GetBytes(_location.AsSpan(0, Math.Min(_location.Length, location.Length)), location);
            _response.AddHeader("location"u8, location[..written]);
        }

        if (_action is { } action)
        {
            action.ResponseEdits.Apply(_response, this, response: true);
        }

        if (_corsOrigin >= 0 && _action?.Cors is { } cors && reply.Status == 200 && reply.Body.Length == 0 && CorsRule.IsPreflight(_request))
        {
            cors.AddPreflightHeaders(_response, _request.ValueOf(_corsOrigin));
        }

        Span<byte> length = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(reply.Body.Length, length, out var digits);
        _response.AddHeader("content-length"u8, length[..digits], KnownHeader.ContentLength);
        _response.AddHeader("server"u8, "envoy"u8, KnownHeader.Server);
        return reply.Body;
    }
}
