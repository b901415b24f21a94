using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Clients that vanish mid-upload or mid-download, or stop reading, against the running binary:
/// the proxy must release what each held (descriptors, the upstream connection), must not buffer
/// what a client does not read, and must keep serving everyone else.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ClientFailureDrills
{
    [Fact]
    public async Task ClientsVanishingMidUpload_FinOrReset_LengthOrChunked_AreReleased_OthersServed()
    {
        await using var drill = await Drill.StartAsync([]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        var chunk = new byte[64 * 1024];
        var uploads = new List<StreamingClient>();
        for (var i = 0; i < 30; i++)
        {
            var client = await StreamingClient.ConnectAsync(proxy.Endpoint);
            var chunked = i % 3 == 0;
            await client.SendAsync("POST /upload HTTP/1.1\r\nHost: good:8080\r\nx-echo-body: true\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: 100000000\r\n\r\n"));
            for (var sent = 0; sent < 16; sent++)
            {
                if (chunked)
                {
                    await client.SendAsync("10000\r\n");
                }

                await client.SendAsync(chunk);
                if (chunked)
                {
                    await client.SendAsync("\r\n");
                }
            }

            uploads.Add(client);
        }

        await bystanders.WaitForMoreAsync(20);
        for (var i = 0; i < uploads.Count; i++)
        {
            uploads[i].Vanish(reset: i % 2 == 0);
            await uploads[i].DisposeAsync();
        }

        await bystanders.WaitForMoreAsync(20);
        await drill.AssertOthersServedAndReleasedAsync();
        Assert.Equal(200, await proxy.StatusOfAsync("good"));
    }

    [Fact]
    public async Task ClientsVanishingMidDownload_AreReleased_WithoutBufferingTheRest_OthersServed()
    {
        await using var drill = await Drill.StartAsync([]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);
        var rssBefore = proxy.ResidentBytes();

        var downloads = new List<StreamingClient>();
        for (var i = 0; i < 30; i++)
        {
            var client = await StreamingClient.ConnectAsync(proxy.Endpoint);
            await client.SendAsync("GET /big HTTP/1.1\r\nHost: good:8080\r\nx-echo-bytes: 1000000000\r\n\r\n");
            client.StartReading(pauseAfter: 1 << 20);
            downloads.Add(client);
        }

        await WaitFor.ConditionAsync(() => downloads.All(d => d.BodyBytesReceived >= 1 << 20), 30_000, "every download is streaming");
        await bystanders.WaitForMoreAsync(50);
        var rssWhileStalled = proxy.ResidentBytes();

        for (var i = 0; i < downloads.Count; i++)
        {
            downloads[i].Vanish(reset: i % 2 == 0);
            await downloads[i].DisposeAsync();
        }

        await drill.AssertOthersServedAndReleasedAsync();

        // 30 stalled 1 GB responses: back-pressure must hold them upstream. Buffering them would
        // take gigabytes; a few MiB per connection of pipe and socket buffers is what is allowed.
        Assert.True(rssWhileStalled - rssBefore < 256L << 20, $"RSS grew {(rssWhileStalled - rssBefore) >> 20} MiB while 30 clients stalled");
    }
}
