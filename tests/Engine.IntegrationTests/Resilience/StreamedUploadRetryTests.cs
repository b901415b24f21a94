using System.Collections.Concurrent;
using System.Text;
using Engine.IntegrationTests.Infrastructure;
using static Engine.IntegrationTests.Infrastructure.UploadBodies;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// Envoy keeps a copy of a request body up to its retry buffer limit while it streams, so a retry
/// can send it again. An HTTP/1.1 body of declared length within the replay limit (1 MiB) stays in
/// the client connection's input as it streams through, whether it came with its head or after
/// it, and a retry sends it again from its first byte, even while the client is still uploading
/// the rest. On both transports.
/// </summary>
public sealed class StreamedUploadRetryTests
{
    private static Task<TestSidecar> StartAsync(int port, string kind) => TestSidecar.StartAsync(
        [MeshYaml.Service("svc", 8080, (port, "v1")), MeshYaml.RouteWithRetries("svc", "{attempts: 2, retryOn: 5xx}")],
        proxy: On(kind));

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AnUploadThatStreamedIn_IsSentAgainWhole_ByTheRetry(string kind)
    {
        var body = RandomBytes(300_000, seed: 1);
        var received = new ConcurrentQueue<string>();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            if (x.Head.StartsWith("GET", StringComparison.Ordinal))
            {
                await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                return;
            }

            received.Enqueue(Fnv1a(Encoding.Latin1.GetBytes(await x.ReadBodyAsync(body.Length))));
            await x.SendAsync(received.Count == 1 ? "HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await SendInPartsAsync(client, $"POST /streamed HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: {body.Length}\r\n\r\n", body[..100_000], body[100_000..]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal([Fnv1a(body), Fnv1a(body)], received.ToArray());
        await AssertAttemptsAsync(sidecar, "/streamed", attempts: 2, body.Length);

        // The connection goes on: the kept body left the input when the request was over.
        await client.SendAsync("GET /next HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task ARetryWhileTheClientIsStillUploading_SendsWhatCameFirst_ThenTheRest(string kind)
    {
        var body = RandomBytes(200_000, seed: 2);
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
                await x.ReadBodyAsync(body.Length - 1000);
                x.Close();
                return;
            }

            var first = await x.ReadBodyAsync(80_000);
            retryHasFirstPart.TrySetResult();
            received.Enqueue(Fnv1a(Encoding.Latin1.GetBytes(first + await x.ReadBodyAsync(body.Length - 80_000))));
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, kind);
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync([.. Encoding.ASCII.GetBytes($"POST /midway HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: {body.Length}\r\n\r\n"), .. body[..80_000]]);
        await firstAnswered.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The retry sends the kept first part at once, without waiting for the client's next bytes.
        await retryHasFirstPart.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await client.SendAsync(body[80_000..]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal([Fnv1a(body)], received.ToArray());
        Assert.Equal(2, (await sidecar.Telemetry.SingleAsync("/midway")).Attempts);
    }
}
