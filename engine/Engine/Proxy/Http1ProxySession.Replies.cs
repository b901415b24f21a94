using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing.Actions;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    /// <summary>The local reply for a request the codec rejected; the connection closes after it.</summary>
    private LocalReply RejectionFor(Http1Error error)
    {
        _keepAlive = false;
        ProxyLog.BadRequest(_logger, Remote, error.ToString());
        return new LocalReply(Http1ErrorStatus.StatusFor(error), Encoding.ASCII.GetString(Http1ErrorStatus.Describe(error)), ResponseFlags.DownstreamProtocolError);
    }

    private void WriteRejection(Http1Error error) => WriteLocalReply(RejectionFor(error));

    /// <summary>
    /// Writes (without flushing) a response the proxy makes itself, in Envoy's shape: plain-text
    /// body, <c>server: envoy</c>, <c>x-envoy-overloaded</c> when a circuit breaker tripped, and —
    /// once a route matched — the route's response header edits (Envoy's router finalises its
    /// local replies with them too). Built in the response head so one serializer writes every
    /// response; a HEAD request gets the length but not the body.
    /// </summary>
    private void WriteLocalReply(in LocalReply reply)
    {
        _status = reply.Status;
        _flags |= reply.Flags;
        _proxiedResponse = false;
        if (_server.Draining)
        {
            _keepAlive = false;
        }

        _response.Reset();
        _response.Version = HttpVersion.Http11;
        _response.StatusCode = reply.Status;
        if (reply.GrpcStatus is { } grpc)
        {
            // gRPC clients get a trailers-only answer: HTTP 200 with grpc-status in the headers.
            Span<byte> code = stackalloc byte[4];
            System.Buffers.Text.Utf8Formatter.TryFormat(grpc, code, out var codeLength);
            _response.AddHeader("content-type"u8, "application/grpc"u8, KnownHeader.ContentType);
            _response.AddHeader("grpc-status"u8, code[..codeLength]);
            _response.AddHeader("grpc-message"u8, "fault filter abort"u8);
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
            action.ResponseEdits.Apply(_response);
        }

        if (_corsOrigin >= 0 && _action?.Cors is { } cors && reply.Status == 200 && reply.Body.Length == 0 && CorsRule.IsPreflight(_request))
        {
            cors.AddPreflightHeaders(_response, _request.ValueOf(_corsOrigin));
        }

        Span<byte> length = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(reply.Body.Length, length, out var digits);
        _response.AddHeader("content-length"u8, length[..digits], KnownHeader.ContentLength);
        _response.AddHeader("server"u8, "envoy"u8, KnownHeader.Server);
        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(Chunked: false, Close: !_keepAlive, KeepAliveHeader: false, ServiceTimeMs: -1));
        if (reply.Body.Length > 0 && _request.Method != HttpMethod.Head)
        {
            _output.Write(reply.Body);
            _sent.Add(reply.Body.Length);
        }
    }
}
