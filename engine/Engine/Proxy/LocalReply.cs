using System.Text;

namespace Engine.Proxy;

/// <summary>
/// A response the proxy makes itself: status, body bytes, response flag; for gRPC callers a
/// trailers-only answer (HTTP 200 with <c>grpc-status</c>) instead of an HTML-ish body.
/// </summary>
/// <remarks><see cref="GrpcMessage"/>: grpc-message of a trailers-only answer (default: the fault filter's text).</remarks>
internal readonly record struct LocalReply(int Status, byte[] Body, ResponseFlags Flags, bool Overloaded = false, int? GrpcStatus = null, byte[]? GrpcMessage = null)
{
    public LocalReply(int status, string body, ResponseFlags flags, bool overloaded = false)
        : this(status, Encoding.UTF8.GetBytes(body), flags, overloaded)
    {
    }
}
