using System.Net.Sockets;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Many connections that do nothing, or next to nothing (slowloris), against the running binary:
/// the proxy keeps serving others and gives every descriptor back when they go.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ConnectionFloodDrills
{
    /// <summary>Idle connections to hold: half never send a byte, half sit in keep-alive after one request.</summary>
    private const int IdleConnections = 10_000;

    [SkippableFact]
    public async Task ThousandsOfIdleConnections_OthersServed_IdleOnesStillUsable_AllReleased()
    {
        // The test process holds one descriptor per client socket and the proxy (a child, which
        // inherits the limit) one per accepted connection, plus what the runtime uses.
        var limit = FileDescriptorLimit.EnsureAtLeast(IdleConnections + 2_000);
        Skip.If(limit < IdleConnections + 2_000, $"RLIMIT_NOFILE is {limit} and cannot be raised to {IdleConnections + 2_000} (hard limit): run with a higher `ulimit -n`");

        await using var drill = await Drill.StartAsync([]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);
        var before = proxy.OpenFileDescriptors();
        var rssBefore = proxy.ResidentBytes();

        var idle = new Socket[IdleConnections];
        try
        {
            for (var batch = 0; batch < IdleConnections; batch += 250)
            {
                await Task.WhenAll(Enumerable.Range(batch, Math.Min(250, IdleConnections - batch)).Select(async i =>
                {
                    idle[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await idle[i].ConnectAsync(proxy.Endpoint);
                    if (i % 2 == 1)
                    {
                        await RequestOnAsync(idle[i]);
                    }
                }));
            }

            await WaitFor.ConditionAsync(() => proxy.OpenFileDescriptors() >= before + IdleConnections, 60_000, $"the proxy accepted {IdleConnections} connections");
            await bystanders.WaitForMoreAsync(100);
            var rssHeld = proxy.ResidentBytes();

            // Idle is not dead: a sample of both kinds still works.
            for (var i = 0; i < IdleConnections; i += IdleConnections / 50)
            {
                await RequestOnAsync(idle[i]);
                await RequestOnAsync(idle[i + 1]);
            }

            Assert.True(rssHeld - rssBefore < (long)IdleConnections * 64 * 1024, $"{IdleConnections} idle connections cost {(rssHeld - rssBefore) >> 20} MiB of RSS");
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket?.Dispose();
            }
        }

        await drill.AssertOthersServedAndReleasedAsync(timeoutMs: 60_000);
    }

    [Fact]
    public async Task Slowloris_OthersKeepBeingServed_AndTheSlowConnectionsAreReleasedWhenTheyGo()
    {
        // Heads trickle in, one byte per connection per round: others are served meanwhile, and
        // nothing is leaked when they go (the head timeout's 408 is the drill below).
        await using var drill = await Drill.StartAsync([]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);
        var before = proxy.OpenFileDescriptors();

        const int Connections = 300;
        var head = DrillProxy.Ascii("GET / HTTP/1.1\r\nHost: good:8080\r\nX-Slow: " + new string('z', 40));
        var sockets = new Socket[Connections];
        for (var i = 0; i < Connections; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await sockets[i].ConnectAsync(proxy.Endpoint);
        }

        // Every connection gets one more byte per round; bounded: the head is never finished.
        for (var round = 0; round < head.Length; round++)
        {
            foreach (var socket in sockets)
            {
                await socket.SendAsync(head.AsMemory(round, 1));
            }

            await Task.Delay(50);
        }

        await bystanders.WaitForMoreAsync(50);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        await drill.AssertOthersServedAndReleasedAsync();
    }

    /// <summary>The default head timeout (robustness.md §3.3: 10 s) on the shipped binary.</summary>
    [Fact]
    public async Task Slowloris_HeadNotFinishedInTime_Gets408AndClose()
    {
        await using var good = await Upstreams.StartAsync("good");
        await using var proxy = await DrillProxy.StartAsync(("good", good.PortOf("good")));
        await using var raw = await RawHttp.ConnectAsync(proxy.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: good:8080\r\nX-Slow: z");

        var received = await raw.ReadToEndAsync(60_000);

        Assert.StartsWith("HTTP/1.1 408", received, StringComparison.Ordinal);
    }

    /// <summary>GET of a 10-byte body on an existing connection; the answer must be a whole 200.</summary>
    private static async Task RequestOnAsync(Socket socket)
    {
        await socket.SendAsync(DrillProxy.Ascii("GET / HTTP/1.1\r\nHost: good:8080\r\nx-echo-bytes: 10\r\n\r\n"));
        var buffer = new byte[4096];
        var text = string.Empty;
        using var cts = new CancellationTokenSource(30_000);
        while (true)
        {
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && text.Length - (end + 4) >= 10)
            {
                break;
            }

            var n = await socket.ReceiveAsync(buffer, cts.Token);
            Assert.True(n > 0, "the idle connection was closed: " + text);
            text += System.Text.Encoding.Latin1.GetString(buffer, 0, n);
        }

        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("content-length: 10\r\n", text.ToLowerInvariant(), StringComparison.Ordinal);
    }
}
