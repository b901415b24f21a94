using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Upstreams that die, babble, hang or reset, against the running binary. Each drill asserts the
/// Envoy-like answer for the victims, that bystanders (another service, through the same proxy)
/// were all served byte-exact meanwhile, and that the proxy gave back every descriptor it took.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class UpstreamFailureDrills
{
    private const long HugeBody = 1_500_000_000;

    [Fact]
    public async Task UpstreamProcessKilledMidResponse_ClientsAreAbortedNotCompleted_OthersServed_ServiceRecovers()
    {
        var victimPort = FreePort.Next();
        var victim = EngineProcess.Start($"echo --listen 127.0.0.1:{victimPort} --name victim");
        await victim.WaitForOutputAsync("listening on");

        // The victim comes back at the end: a pooled connection to it then is the pool's, not a leak.
        await using var drill = await Drill.StartAsync([("victim", victimPort)], victimPort);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        var downloads = new List<StreamingClient>();
        for (var i = 0; i < 4; i++)
        {
            var client = await StreamingClient.ConnectAsync(proxy.Endpoint);
            await client.SendAsync($"GET /big HTTP/1.1\r\nHost: victim:8080\r\nx-echo-bytes: {HugeBody}\r\n\r\n");
            client.StartReading(pauseAfter: 1 << 20);
            downloads.Add(client);
        }

        await WaitFor.ConditionAsync(() => downloads.All(d => d.BodyBytesReceived >= 1 << 20), 30_000, "every download is streaming");
        victim.Kill();
        await victim.DisposeAsync();
        downloads.ForEach(d => d.Resume());

        foreach (var download in downloads)
        {
            var outcome = await download.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(200, outcome.Status);
            Assert.Equal(HugeBody, outcome.ContentLength);
            Assert.True(outcome.ClosedByPeer && outcome.BodyBytes < HugeBody, $"the client must be cut off, never handed a complete message ({outcome.BodyBytes} bytes)");
            await download.DisposeAsync();
        }

        Assert.Equal(503, await proxy.StatusOfAsync("victim"));
        await using (var restarted = EngineProcess.Start($"echo --listen 127.0.0.1:{victimPort} --name victim"))
        {
            await restarted.WaitForOutputAsync("listening on");
            Assert.Equal(200, await proxy.StatusOfAsync("victim"));
        }

        await bystanders.WaitForMoreAsync(20);
        await drill.AssertOthersServedAndReleasedAsync();
    }

    /// <summary>Answers robustness.md §4.3 lists for a garbage upstream; every one must become a 502 and a closed upstream connection.</summary>
    private static readonly string[] Garbage =
    [
        "this is not http\r\n\r\n",
        "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Nul: a\u0000b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Huge: " + new string('a', 70 * 1024) + "\r\n\r\n",
    ];

    [Fact]
    public async Task UpstreamAnsweringGarbage_Every502_NothingPooled_OthersServed()
    {
        await using var garbage = new ScriptedUpstream(async x =>
        {
            await x.SendAsync(Garbage[(x.RequestNumber - 1) % Garbage.Length]);
            if (x.RequestNumber % 2 == 0)
            {
                x.Close();
            }
        });
        await using var drill = await Drill.StartAsync([("garbage", garbage.Port)]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var seen = new List<int>();
            for (var i = 0; i < Garbage.Length * 2; i++)
            {
                seen.Add(await proxy.StatusOfAsync("garbage"));
            }

            return seen;
        }));

        Assert.All(statuses.SelectMany(s => s), status => Assert.Equal(502, status));
        Assert.Equal(8 * Garbage.Length * 2, garbage.Connections);
        await drill.AssertOthersServedAndReleasedAsync();
    }

    [Fact]
    public async Task UpstreamAcceptingButNeverAnswering_ClientsGivingUp_ReleaseTheUpstreamConnections_OthersServed()
    {
        // No route timeout is configured (Istio's default is none): the clients time out on their
        // own and leave. The proxy must then drop the upstream side of each abandoned request.
        await using var blackhole = new BlackholeUpstream();
        await using var drill = await Drill.StartAsync([("blackhole", blackhole.Port)]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        const int Clients = 40;
        var waiting = new List<StreamingClient>();
        for (var i = 0; i < Clients; i++)
        {
            var client = await StreamingClient.ConnectAsync(proxy.Endpoint);
            await client.SendAsync(i % 2 == 0
                ? "GET /hang HTTP/1.1\r\nHost: blackhole:8080\r\n\r\n"
                : "POST /hang HTTP/1.1\r\nHost: blackhole:8080\r\nContent-Length: 5\r\n\r\nhello");
            client.StartReading();
            waiting.Add(client);
        }

        await WaitFor.ConditionAsync(() => blackhole.OpenConnections == Clients, 30_000, $"{Clients} requests reached the silent upstream");
        await bystanders.WaitForMoreAsync(50);
        Assert.All(waiting, c => Assert.False(c.Completion.IsCompleted, "nothing answers: the clients must still be waiting"));

        for (var i = 0; i < waiting.Count; i++)
        {
            waiting[i].Vanish(reset: i % 2 == 0);
        }

        await WaitFor.ConditionAsync(() => blackhole.OpenConnections == 0, 30_000, "the proxy closed the upstream side of every abandoned request");
        foreach (var client in waiting)
        {
            await client.DisposeAsync();
        }

        await drill.AssertOthersServedAndReleasedAsync();
    }

    [Fact]
    public async Task UpstreamResetting_BeforeHeaders503_MidBodyClientAborted_OthersServed()
    {
        await using var resetting = new ScriptedUpstream(async x =>
        {
            if (x.Head.StartsWith("GET /mid", StringComparison.Ordinal))
            {
                await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('a', 5000));
            }

            x.Reset();
        });
        await using var drill = await Drill.StartAsync([("resetting", resetting.Port)]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            await using var raw = await RawHttp.ConnectAsync(proxy.Endpoint);
            // The 503 is a local reply on a healthy client connection: ask for the close. The aborted
            // response must close the connection on its own.
            await raw.SendAsync(i % 2 == 0
                ? "GET /before HTTP/1.1\r\nHost: resetting:8080\r\nConnection: close\r\n\r\n"
                : "GET /mid HTTP/1.1\r\nHost: resetting:8080\r\n\r\n");
            return (Mid: i % 2 == 1, Received: await raw.ReadToEndAsync(30_000));
        }));

        foreach (var (mid, received) in results)
        {
            if (mid)
            {
                Assert.StartsWith("HTTP/1.1 200", received, StringComparison.Ordinal);
                var body = received[(received.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
                Assert.True(body.Length < 100_000, "a reset mid-body must never reach the client as a complete message");
            }
            else
            {
                Assert.StartsWith("HTTP/1.1 503", received, StringComparison.Ordinal);
                Assert.Contains("upstream connect error or disconnect/reset before headers", received, StringComparison.Ordinal);
            }
        }

        await drill.AssertOthersServedAndReleasedAsync();
    }
}

/// <summary>Drills load the machine on purpose: run them one at a time, not beside each other.</summary>
[CollectionDefinition(Name)]
public sealed class DrillCollection
{
    public const string Name = "Failure drills";
}
