using System.Net;
using System.Net.Sockets;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drain;

/// <summary>
/// SIGTERM to the `engine` binary: /ready turns 503, the listener closes, in-flight requests
/// finish with <c>connection: close</c>, idle connections are closed, and the process exits 0.
/// In the drill collection: the load test saturates the machine, and the drills (the soak's
/// memory slope above all) must not run beside it.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class GracefulDrainTests : IAsyncLifetime
{
    private readonly string _configDir = Directory.CreateTempSubdirectory("engine-drain-").FullName;
    private readonly int _proxyPort = FreePort.Next();
    private readonly int _adminPort = FreePort.Next();
    private Upstreams _upstreams = null!;

    private IPEndPoint Proxy => new(IPAddress.Loopback, _proxyPort);

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-1");

    public async Task DisposeAsync()
    {
        await _upstreams.DisposeAsync();
        Directory.Delete(_configDir, recursive: true);
    }

    private async Task<EngineProcess> StartEngineAsync(int upstreamPort, string drainTimeout)
    {
        await File.WriteAllTextAsync(Path.Combine(_configDir, "mesh.yaml"), MeshYaml.Service("svc", 8080, (upstreamPort, "v1")));
        var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{_proxyPort} --admin 127.0.0.1:{_adminPort} --drain-timeout {drainTimeout} --access-log off");
        await engine.WaitForOutputAsync("ready on");
        return engine;
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadyAsync()
    {
        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await admin.GetAsync($"http://127.0.0.1:{_adminPort}/ready");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<bool> IsRefusedAsync(IPEndPoint endpoint)
    {
        var client = await KeepAliveClient.ConnectAsync(endpoint, CancellationToken.None);
        if (client is null)
        {
            return true;
        }

        await client.DisposeAsync();
        return false;
    }

    [Fact]
    public async Task Sigterm_WithARequestInFlight_ReadyTurns503_ListenerCloses_TheRequestFinishes_Exit0()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async exchange =>
        {
            await release.Task;
            await exchange.SendAsync("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndone");
        });
        await using var engine = await StartEngineAsync(upstream.Port, "60s");
        Assert.Equal((HttpStatusCode.OK, "LIVE\n"), await ReadyAsync());

        await using var client = (await KeepAliveClient.ConnectAsync(Proxy, CancellationToken.None))!;
        var inFlight = client.SendAsync("GET /slow HTTP/1.1\r\nHost: svc:8080\r\n\r\n", CancellationToken.None);
        await WaitFor.ConditionAsync(() => upstream.Requests == 1, because: "the request reached the upstream");

        engine.Terminate();

        await WaitFor.ConditionAsync(() => ReadyAsync().GetAwaiter().GetResult().Status == HttpStatusCode.ServiceUnavailable, because: "/ready says 503");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "DRAINING\n"), await ReadyAsync());
        Assert.True(await IsRefusedAsync(Proxy), "the proxy listener should be closed while draining");
        Assert.False(engine.HasExited);

        release.SetResult();
        var (status, close, length) = await inFlight;

        Assert.Equal((200, true, 4), (status, close, length));
        Assert.Equal(0, await engine.WaitForExitAsync());
        Assert.Contains("drain complete", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_Http2Connection_GetsGoAway_TheStreamInFlightFinishes_Exit0()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async exchange =>
        {
            await release.Task;
            await exchange.SendAsync("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndone");
        });
        await using var engine = await StartEngineAsync(upstream.Port, "60s");
        await using var client = await Http2.Support.RawH2Client.HandshakeAsync(Proxy);
        await client.SendAsync(Http2.Support.RawH2Client.Frames(w => Engine.Protocols.Http2.Http2FrameWriter.WriteHeaders(
            w, 1, Http2.Support.RawH2Client.Block((":method", "GET"), (":scheme", "http"), (":authority", "svc:8080"), (":path", "/slow")), endStream: true, 16_384)));
        await WaitFor.ConditionAsync(() => upstream.Requests == 1, because: "the request reached the upstream");

        engine.Terminate();

        // RFC 9113 §6.8: GOAWAY (NO_ERROR) naming the last stream we accepted; that stream still completes.
        var goAway = await client.ReadGoAwayAsync();
        Assert.NotNull(goAway);
        Assert.Equal(Engine.Protocols.Http2.Http2ErrorCode.NoError, goAway!.ErrorCode);
        Assert.True(goAway.LastStreamId >= 1, "GOAWAY's last stream id leaves the stream in flight out: " + goAway.LastStreamId);
        Assert.False(engine.HasExited);

        release.SetResult();
        var (head, body, reset) = await client.ReadResponseAsync(1);
        Assert.Null(reset);
        Assert.Equal(200, head!.StatusCode);
        Assert.Equal("done", System.Text.Encoding.ASCII.GetString(body));
        Assert.Equal(0, await engine.WaitForExitAsync());
    }

    [Fact]
    public async Task Sigterm_ClosesAnIdleKeepAliveConnection_AndExitsWithoutWaitingForTheTimeout()
    {
        await using var engine = await StartEngineAsync(_upstreams.PortOf("svc-1"), "60s");
        await using var raw = await RawHttp.ConnectAsync(Proxy);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Empty(response.Headers["connection"]); // kept alive

        engine.Terminate();

        Assert.True(await raw.IsClosedByPeerAsync(timeoutMs: 30_000), "the idle connection should be closed by the drain");
        Assert.Equal(0, await engine.WaitForExitAsync());
        Assert.Contains("drain complete", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_DrainTimeout_CutsWhatIsStillOpen_AndStillExits0()
    {
        await using var upstream = new ScriptedUpstream(_ => Task.Delay(Timeout.Infinite)); // never answers
        await using var engine = await StartEngineAsync(upstream.Port, "200ms");
        await using var client = (await KeepAliveClient.ConnectAsync(Proxy, CancellationToken.None))!;
        var stuck = client.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n", CancellationToken.None);
        await WaitFor.ConditionAsync(() => upstream.Requests == 1, because: "the request reached the upstream");

        // A collection here once finalized the stalled upstream socket (full runs only): the
        // upstream must keep it open however much garbage the rest of the suite makes.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        engine.Terminate();

        Assert.Equal(0, await engine.WaitForExitAsync());

        // Say what the client saw, so a failure tells a response (the upstream side ended) from a close.
        await Task.WhenAny(stuck, Task.Delay(TimeSpan.FromSeconds(5)));
        var clientSaw = !stuck.IsCompleted ? "nothing yet" : stuck.IsFaulted ? "connection ended: " + stuck.Exception!.InnerException!.Message : $"a response: {await stuck}";
        var diagnosis = $"{engine.Output}\nclient saw {clientSaw}; upstream saw {upstream.Connections} connection(s), {upstream.Requests} request(s)";
        Assert.True(engine.Output.Contains("drain timeout", StringComparison.Ordinal), diagnosis);
        Assert.True(engine.Output.Contains("cut 1 connection(s)", StringComparison.Ordinal), diagnosis);
        await Assert.ThrowsAnyAsync<Exception>(() => stuck); // cut: the client sees the connection end, not a response
    }

    [Fact]
    public async Task DrainUnderLoad_NoRequestIsLost_EachWasAnsweredOrNeverAccepted()
    {
        const int Workers = 8;
        const int RequestsBeforeSigterm = 2000;
        await using var engine = await StartEngineAsync(_upstreams.PortOf("svc-1"), "30s");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = 0;
        var closeSeen = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Each worker sends on a keep-alive connection until told to close, then reconnects,
        // until the listener refuses it. Bounded in count and time.
        var workers = Enumerable.Range(0, Workers).Select(async worker =>
        {
            for (var connectionNumber = 0; connectionNumber < 10_000; connectionNumber++)
            {
                var client = await KeepAliveClient.ConnectAsync(Proxy, deadline.Token);
                if (client is null)
                {
                    return; // refused: never accepted, fine once the drain began
                }

                await using (client)
                {
                    for (var i = 0; i < 100_000; i++)
                    {
                        try
                        {
                            var (status, close, length) = await client.SendAsync($"GET /{worker}/{i} HTTP/1.1\r\nHost: svc:8080\r\nx-echo-delay-ms: 1\r\nx-echo-bytes: 1000\r\n\r\n", deadline.Token);
                            if (status != 200 || length != 1000)
                            {
                                failures.Enqueue($"worker {worker}: status {status}, {length} bytes");
                            }

                            Interlocked.Increment(ref completed);
                            if (close)
                            {
                                Interlocked.Increment(ref closeSeen);
                                break;
                            }
                        }
                        catch (Exception e) when (e is IOException or SocketException)
                        {
                            failures.Enqueue($"worker {worker}, request {i} on connection {connectionNumber}: {e.Message}");
                            return;
                        }
                    }
                }
            }
        }).ToArray();

        await WaitFor.ConditionAsync(() => Volatile.Read(ref completed) >= RequestsBeforeSigterm || failures.Count > 0, timeoutMs: 60_000, because: "load is flowing");
        var atSigterm = Volatile.Read(ref completed);
        engine.Terminate();
        await Task.WhenAll(workers);

        Assert.True(failures.IsEmpty, string.Join("\n", failures) + "\n" + engine.Output);
        Assert.True(atSigterm >= RequestsBeforeSigterm);
        Assert.True(closeSeen >= 1, "in-flight connections should have been told connection: close");
        Assert.Equal(0, await engine.WaitForExitAsync());
        Assert.Contains("drain complete", engine.Output, StringComparison.Ordinal);
    }
}
