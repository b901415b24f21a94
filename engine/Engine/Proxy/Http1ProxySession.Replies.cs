using System.Text;
using Engine.Protocols.Http1;

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
    /// body, <c>server: envoy</c>, <c>x-envoy-overloaded</c> when a circuit breaker tripped.
    /// </summary>
    private void WriteLocalReply(LocalReply reply)
    {
        _status = reply.Status;
        _flags |= reply.Flags;
        if (_server.Draining)
        {
            _keepAlive = false;
        }

        var w = new PipeHeadWriter(_output);
        w.Write("HTTP/1.1 "u8);
        w.WriteDecimal(reply.Status);
        w.WriteByte((byte)' ');
        w.Write(ReasonPhrases.For(reply.Status));
        w.Write("\r\n"u8);
        var bodyLength = Encoding.UTF8.GetByteCount(reply.Body);
        w.WriteHeader("content-length"u8, bodyLength);
        if (bodyLength > 0)
        {
            w.Write("content-type: text/plain\r\n"u8);
        }

        if (reply.Overloaded)
        {
            w.Write("x-envoy-overloaded: true\r\n"u8);
        }

        w.Write("server: envoy\r\n"u8);
        if (!_keepAlive)
        {
            w.Write("connection: close\r\n"u8);
        }

        w.Write("\r\n"u8);
        if (bodyLength > 0)
        {
            Span<byte> body = bodyLength <= 512 ? stackalloc byte[bodyLength] : new byte[bodyLength];
            Encoding.UTF8.GetBytes(reply.Body, body);
            w.Write(body);
            _sent.Add(bodyLength);
        }

        w.Commit();
    }
}
