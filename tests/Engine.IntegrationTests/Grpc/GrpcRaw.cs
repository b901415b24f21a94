using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// One unary gRPC call made by hand with HttpClient, to see the wire the gRPC client hides: the
/// HTTP status, the response headers, and which of grpc-status / grpc-message / custom values came
/// as real HTTP/2 trailers (<see cref="HttpResponseMessage.TrailingHeaders"/>) rather than headers.
/// </summary>
internal static class GrpcRaw
{
    public const string Service = "/engine.tests.grpc.TestService/";

    public static HttpClient NewClient(IPEndPoint target) => new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = new Uri($"http://{target}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>POSTs one length-prefixed message (gRPC framing: a compressed-flag byte, then a 4-byte big-endian length) and reads the whole answer.</summary>
    public static async Task<HttpResponseMessage> CallAsync(HttpClient client, string authority, string method, IMessage message)
    {
        var payload = message.ToByteArray();
        var body = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(body, 5);

        using var request = new HttpRequestMessage(HttpMethod.Post, Service + method) {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact, // h2c prior knowledge on http://
            Content = new ByteArrayContent(body),
        };
        request.Headers.Host = authority;
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return response;
    }

    public static string? Header(this HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    public static string? Trailer(this HttpResponseMessage response, string name)
        => response.TrailingHeaders.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
