using System.Text;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using static Engine.IntegrationTests.Infrastructure.UploadBodies;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// An HTTP/1.1 client's streamed upload to an upstream spoken to in HTTP/2 (Kestrel, h2c) is kept
/// for a retry as it is on the way to an HTTP/1.1 upstream: a body of declared length within the
/// replay limit, or a chunked one while its raw bytes are, and a chunked request's trailer fields
/// reach the upstream as HTTP/2 trailers, on every attempt.
/// </summary>
public sealed class UploadRetryToHttp2Tests
{
    private static Task<TestSidecar> StartAsync(KestrelH2Server kestrel) => TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, "http2", [(kestrel.Endpoint.Port, new Dictionary<string, string> { ["version"] = "v1" })], "HTTP2"),
            MeshYaml.RouteWithRetries("svc", "{attempts: 2, retryOn: 5xx}"),
        ],
        proxy: On("Epoll"));

    [Fact]
    public async Task AnUploadOfDeclaredLengthThatStreamedIn_IsSentAgainWhole_ByTheRetry()
    {
        var body = RandomBytes(300_000, seed: 6);
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await StartAsync(kestrel);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await SendInPartsAsync(client, $"POST /flaky-upload HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: {body.Length}\r\n\r\n", body[..100_000], body[100_000..]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal($"{Fnv1a(body)} ", response.Body);
        await AssertAttemptsAsync(sidecar, "/flaky-upload", attempts: 2, body.Length);

        // The connection goes on: the kept body left the input when the request was over.
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        Assert.Equal("hello from kestrel", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task AChunkedUploadRetriedWhileTheClientIsStillUploading_ArrivesWhole_WithItsTrailers()
    {
        var body = RandomBytes(200_000, seed: 7);
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await StartAsync(kestrel);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync([.. Encoding.ASCII.GetBytes("POST /flaky-upload?early HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding: chunked\r\n\r\n"), .. Chunk(body[..80_000])]);
        await WaitFor.ConditionAsync(() => kestrel.FlakyUploads == 2, because: "the first attempt failed and the retry reached the upstream with the first chunk only");
        await client.SendAsync([.. Chunk(body[80_000..]), .. Encoding.ASCII.GetBytes($"0\r\nx-digest: {Fnv1a(body)}\r\n\r\n")]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal($"{Fnv1a(body)} {Fnv1a(body)}", response.Body);
        await AssertAttemptsAsync(sidecar, "/flaky-upload", attempts: 2, body.Length);
    }
}
