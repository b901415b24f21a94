using System.Collections.Concurrent;
using System.Text;
using Engine.IntegrationTests.Infrastructure;
using static Engine.IntegrationTests.Infrastructure.UploadBodies;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// Envoy keeps any request body for a retry up to its retry buffer limit (1 MiB), chunked ones
/// too. An HTTP/1.1 chunked upload stays in the client connection's input as it streams through
/// while its raw bytes are within the limit, and a retry decodes and sends it again from its first
/// byte, trailers included, even while the client is still uploading. Past the limit it is no
/// longer kept and the upstream's answer stands. On both transports.
/// </summary>
public sealed class ChunkedUploadRetryTests
{
    private const string Head = "POST {0} HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static Task<TestSidecar> StartAsync(int port, string kind) => TestSidecar.StartAsync(
        [MeshYaml.Service("svc", 8080, (port, "v1")), MeshYaml.RouteWithRetries("svc", "{attempts: 2, retryOn: 5xx}")],
        proxy: On(kind));

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AChunkedUploadThatStreamedIn_IsSentAgainWhole_WithItsTrailers_ByTheRetry(string kind)
    {
        var body = RandomBytes(300_000, seed: 3);
        var received = new ConcurrentQueue<(string Digest, string Trailers)>();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            if (x.Head.StartsWith("GET", StringComparison.Ordinal))
            {
                await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                return;
            }

            var (bytes, trailers) = await x.ReadChunkedBodyAsync();
            received.Enqueue((Fnv1a(bytes), trailers.ToLowerInvariant()));
            await x.SendAsync(received.Count == 1 ? "HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await SendInPartsAsync(client, string.Format(Head, "/chunked"), Chunk(body[..100_000]), [.. Chunk(body[100_000..]), .. Encoding.ASCII.GetBytes($"0\r\nx-digest: {Fnv1a(body)}\r\n\r\n")]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        var expected = (Fnv1a(body), $"x-digest: {Fnv1a(body)}\r\n");
        Assert.Equal([expected, expected], received.ToArray());
        await AssertAttemptsAsync(sidecar, "/chunked", attempts: 2, body.Length);

        // The connection goes on: the kept body left the input when the request was over.
        await client.SendAsync("GET /next HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task ARetryWhileTheClientIsStillUploadingChunks_SendsWhatCameFirst_ThenTheRest(string kind)
    {
        var body = RandomBytes(200_000, seed: 4);
        var received = new ConcurrentQueue<string>();
        var firstAnswered = new TaskCompletionSource();
        var retryHasFirstPart = new TaskCompletionSource();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            if (x.RequestNumber == 1)
            {
                // Fails early, after a little of the upload, and drains what still comes.
                await x.ReadBodyAsync(1000);
                await x.SendAsync("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
                firstAnswered.TrySetResult();
                await x.ReadBodyAsync(1 << 20); // until the proxy gives the connection up
                x.Close();
                return;
            }

            received.Enqueue(Fnv1a((await x.ReadChunkedBodyAsync(decoded =>
            {
                if (decoded >= 80_000)
                {
                    retryHasFirstPart.TrySetResult();
                }
            })).Body));
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync([.. Encoding.ASCII.GetBytes(string.Format(Head, "/midway")), .. Chunk(body[..80_000])]);
        await firstAnswered.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The retry sends the kept first chunk at once, without waiting for the client's next bytes.
        await retryHasFirstPart.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await client.SendAsync([.. Chunk(body[80_000..]), .. "0\r\n\r\n"u8.ToArray()]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal([Fnv1a(body)], received.ToArray());
        await AssertAttemptsAsync(sidecar, "/midway", attempts: 2, body.Length);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AChunkedUploadPastTheRetryBuffer_IsSentWhole_ButNotRetried(string kind)
    {
        var body = RandomBytes(1_500_000, seed: 5);
        var received = new ConcurrentQueue<string>();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            received.Enqueue(Fnv1a((await x.ReadChunkedBodyAsync()).Body));
            await x.SendAsync("HTTP/1.1 503 X\r\nContent-Length: 4\r\n\r\nfull");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync(string.Format(Head, "/large"));
        for (var offset = 0; offset < body.Length; offset += 250_000)
        {
            await client.SendAsync(Chunk(body[offset..Math.Min(offset + 250_000, body.Length)]));
        }

        await client.SendAsync("0\r\n\r\n");
        var response = await client.ReadResponseAsync();

        // The body outgrew the buffer while it streamed (its bytes were consumed past the limit,
        // in one piece with those kept before): the upstream's 503 goes to the client as it is.
        Assert.Equal(503, response.Status);
        Assert.Equal("full", response.Body);
        Assert.Equal([Fnv1a(body)], received.ToArray());
        await AssertAttemptsAsync(sidecar, "/large", attempts: 1, body.Length);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task PipelinedChunkedUploads_EachGoUpstreamWhole_AndInOrder(string kind)
    {
        var received = new ConcurrentQueue<string>();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            var text = Encoding.ASCII.GetString((await x.ReadChunkedBodyAsync()).Body);
            received.Enqueue(text);
            await x.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {text.Length}\r\n\r\n{text}");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        // Two requests in one write: the second's head follows the first's last chunk directly.
        await client.SendAsync(
            string.Format(Head, "/first") + "5;ext=1\r\nhello\r\n6\r\n, mesh\r\n0\r\n\r\n" +
            string.Format(Head, "/second") + "5\r\nworld\r\n0\r\n\r\n");

        Assert.Equal("hello, mesh", (await client.ReadResponseAsync()).Body);
        Assert.Equal("world", (await client.ReadResponseAsync()).Body);
        Assert.Equal(["hello, mesh", "world"], received.ToArray());
        Assert.Equal(11, (await sidecar.Telemetry.SingleAsync("/first")).BytesReceived);
    }
}
