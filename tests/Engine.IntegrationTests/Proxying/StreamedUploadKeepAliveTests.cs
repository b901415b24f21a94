using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// Regression, found by scripts/soak.sh: when the upstream answered while the request-body pump
/// was still finishing its last flush, the proxy cancelled the client's pending read to stop the
/// pump; nothing was pending, so the cancellation stayed armed and the next request's head read
/// came back "canceled" — and the connection was closed without a word (no Connection: close),
/// failing the client's next request. A race, so the test runs many streamed uploads (head and
/// body in separate writes, which is what sends the body through the pump).
/// </summary>
public sealed class StreamedUploadKeepAliveTests
{
    [Fact]
    public async Task StreamedUploads_OnKeepAliveConnections_AreAllAnswered_NoneClosedSilently()
    {
        await using var upstreams = await Upstreams.StartAsync("echo");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstreams.PortOf("echo"), "v1"))]);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var random = new Random(worker);
            await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
            for (var i = 0; i < 500; i++)
            {
                var body = new byte[random.Next(1, 20_000)];
                random.NextBytes(body);
                RawResponse response;
                try
                {
                    await raw.SendAsync($"POST /upload HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: {body.Length}\r\n\r\n");
                    await raw.SendAsync(body);
                    response = await raw.ReadResponseAsync();
                }
                catch (Exception e) when (e is EndOfStreamException or IOException)
                {
                    return $"worker {worker}, request {i}: {e.Message}";
                }

                if (response.Status != 200 || !response.Body.Contains($"\"bodyBytes\":{body.Length}", StringComparison.Ordinal))
                {
                    return $"worker {worker}, request {i}: status {response.Status}, {response.Body}";
                }

                if (response.Headers["connection"].Any(v => v.Contains("close", StringComparison.OrdinalIgnoreCase)))
                {
                    return $"worker {worker}, request {i}: the proxy announced a close it had no reason for";
                }
            }

            return null;
        }));

        Assert.All(outcomes, Assert.Null);
    }
}
