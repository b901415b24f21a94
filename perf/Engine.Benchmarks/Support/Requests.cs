using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Support;

/// <summary>Request and response heads the suites share, as wire bytes and parsed.</summary>
internal static class Requests
{
    /// <summary>What wrk or a health check sends: request line, Host, nothing else.</summary>
    public const string SmallGet = "GET /small HTTP/1.1\r\nHost: upstream.bench\r\n\r\n";

    /// <summary>A browser-like GET with 12 header fields (~700 bytes, cookies included).</summary>
    public const string BrowserGet =
        "GET /api/v1/svc42/items/42?page=2&sort=desc HTTP/1.1\r\n" +
        "Host: reviews.default.svc.cluster.local\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
        "Accept-Language: en-GB,en;q=0.9,de;q=0.8\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Referer: https://bookinfo.example.com/productpage?u=normal\r\n" +
        "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: max-age=0\r\n" +
        "x-request-id: 0f8fad5b-d9cb-469f-a165-70867728950e\r\n" +
        "end-user: jason\r\n" +
        "x-tenant: tenant-7\r\n" +
        "\r\n";

    /// <summary>
    /// The same browser GET as the next request on the connection would send it: only the fields new
    /// on every request change (the path's query, the request id), as a sidecar's peer sees them.
    /// </summary>
    public static string BrowserGetNext => BrowserGet
        .Replace("items/42?page=2", "items/43?page=3", StringComparison.Ordinal)
        .Replace("0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7", StringComparison.Ordinal);

    /// <summary>
    /// A unary gRPC call as grpc-go sends it through a sidecar (9 fields): the fixed gRPC fields, a
    /// request id and a W3C trace context that are new on every call. No grpc-timeout: its value is
    /// the remaining deadline, new on every call, and would make the repeat block insert an entry.
    /// </summary>
    public const string GrpcCall =
        "POST /reviews.v1.ReviewService/GetReviews HTTP/1.1\r\n" +
        "Host: reviews.default.svc.cluster.local:9080\r\n" +
        "Content-Type: application/grpc\r\n" +
        "TE: trailers\r\n" +
        "grpc-accept-encoding: identity,deflate,gzip\r\n" +
        "User-Agent: grpc-go/1.68.0\r\n" +
        "x-request-id: 0f8fad5b-d9cb-469f-a165-70867728950e\r\n" +
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n" +
        "x-forwarded-proto: http\r\n" +
        "\r\n";

    /// <summary>The next call of the same method on the connection: new request id and trace.</summary>
    public static string GrpcCallNext => GrpcCall
        .Replace("0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7", StringComparison.Ordinal)
        .Replace("4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", StringComparison.Ordinal);

    /// <summary>A gRPC server's response head, with what a sidecar adds (date, server, upstream time).</summary>
    public const string GrpcResponse =
        "HTTP/1.1 200 OK\r\n" +
        "Content-Type: application/grpc\r\n" +
        "grpc-accept-encoding: identity,deflate,gzip\r\n" +
        "Date: Thu, 26 Nov 2026 03:30:00 GMT\r\n" +
        "Server: istio-envoy\r\n" +
        "x-envoy-upstream-service-time: 3\r\n" +
        "\r\n";

    /// <summary>A chunked upload head (the body is built by <see cref="ChunkedBody"/>).</summary>
    public const string ChunkedPost =
        "POST /upload HTTP/1.1\r\nHost: upstream.bench\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    /// <summary>nginx's answer to /small: 8 fields, as nginx 1.22 sends it.</summary>
    public const string NginxResponse =
        "HTTP/1.1 200 OK\r\n" +
        "Server: nginx/1.22.1\r\n" +
        "Date: Thu, 26 Nov 2026 03:30:00 GMT\r\n" +
        "Content-Type: text/plain\r\n" +
        "Content-Length: 13\r\n" +
        "Last-Modified: Thu, 26 Nov 2026 03:00:00 GMT\r\n" +
        "Connection: keep-alive\r\n" +
        "ETag: \"6745a0f0-d\"\r\n" +
        "Accept-Ranges: bytes\r\n" +
        "\r\n";

    /// <summary>The smallest useful response head.</summary>
    public const string MinimalResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n";

    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary><paramref name="chunks"/> chunks of <paramref name="chunkSize"/> bytes, the last chunk and an empty trailer section.</summary>
    public static byte[] ChunkedBody(int chunks, int chunkSize)
    {
        var text = new StringBuilder();
        var data = new string('x', chunkSize);
        for (var i = 0; i < chunks; i++)
        {
            text.Append(chunkSize.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n").Append(data).Append("\r\n");
        }

        text.Append("0\r\n\r\n");
        return Bytes(text.ToString());
    }

    /// <summary>Parses a request head once, for the suites that start after parsing.</summary>
    public static HttpRequestHead ParseRequest(string text)
    {
        var head = new HttpRequestHead();
        var status = Http1RequestParser.TryParseRequest(new ReadOnlySequence<byte>(Bytes(text)), head, Http1Limits.Default, out _, out var error);
        if (status != Http1ParseStatus.Complete)
        {
            throw new InvalidOperationException($"benchmark request does not parse: {status} {error}");
        }

        return head;
    }

    public static HttpResponseHead ParseResponse(string text)
    {
        var head = new HttpResponseHead();
        var status = Http1ResponseParser.TryParseResponse(new ReadOnlySequence<byte>(Bytes(text)), head, Http1Limits.Default, out _, out var error);
        if (status != Http1ParseStatus.Complete)
        {
            throw new InvalidOperationException($"benchmark response does not parse: {status} {error}");
        }

        return head;
    }
}
