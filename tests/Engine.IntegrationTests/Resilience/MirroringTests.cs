using System.Net;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>mirror / mirrors / mirrorPercentage: copies arrive, the client sees only the primary, a stalled mirror costs it nothing.</summary>
public class MirroringTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("v1", "v2", "v3");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private protected Task<TestSidecar> StartAsync(string mirror, ProxyOptions? proxy = null, int? mirrorPort = null, int? primaryPort = null) => TestSidecar.StartAsync(
    [
        MeshYaml.Service("httpbin", 8000, (primaryPort ?? _upstreams.PortOf("v1"), "v1"), (mirrorPort ?? _upstreams.PortOf("v2"), "v2"), (_upstreams.PortOf("v3"), "v3")),
        MeshYaml.Subsets("httpbin", "v1", "v2", "v3"),
        $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: httpbin}
        spec:
          hosts: [httpbin]
          http:
          - route:
            - destination: {host: httpbin, subset: v1}
        {{mirror}}
        """,
    ], proxy: proxy, http2: OverHttp2);

    [Fact]
    public async Task Mirror_ReceivesCopies_ClientSeesOnlyThePrimary()
    {
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}");
        var mirroredBefore = _upstreams["v2"].Requests;

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", (await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000", "/headers")).ServedBy);
        }

        await WaitFor.ConditionAsync(() => _upstreams["v2"].Requests - mirroredBefore == 20, because: "every request was mirrored (mirrorPercentage defaults to 100)");
    }

    [Fact]
    public async Task Mirror_CopiesTheBody_AndKeepsTheHost_WithoutShadowSuffix()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var mirror = new ScriptedUpstream(async x =>
        {
            seen.Enqueue(ScriptedHeaders.Get(x.Head, "host") + " " + await x.ReadBodyAsync(5));
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", mirrorPort: mirror.Port);

        using var request = sidecar.NewRequest(HttpMethod.Post, "/post");
        request.Content = new StringContent("hello");
        request.Headers.Host = "httpbin:8000";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal("v1", response.Headers.GetValues("x-served-by").Single());
        await WaitFor.ConditionAsync(() => !seen.IsEmpty);
        Assert.Equal("httpbin:8000 hello", seen.Single());
    }

    [Theory]
    [InlineData("Epoll", true)]
    [InlineData("Epoll", false)]
    [InlineData("Kestrel", true)]
    [InlineData("Kestrel", false)]
    public async Task Mirror_CopiesABodyThatArrivesAfterTheHead(string transport, bool sized)
    {
        // The copy waits for the body's end, as Envoy shadows a request once its body is read:
        // without that, an upload that comes in after its head (most of them) was never mirrored.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var mirror = new ScriptedUpstream(async x =>
        {
            seen.Enqueue(await ReadAnyBodyAsync(x));
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", UploadBodies.On(transport), mirror.Port);
        const string text = "a body that comes in two parts";

        using var request = sidecar.NewRequest(HttpMethod.Post, "/post");
        request.Content = new TwoPartContent(System.Text.Encoding.ASCII.GetBytes(text), TimeSpan.FromMilliseconds(200), sized);
        request.Headers.Host = "httpbin:8000";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("x-served-by").Single());
        await WaitFor.ConditionAsync(() => !seen.IsEmpty, because: $"the copy goes out when the body has ended (mirrors dropped {sidecar.Sidecar.Server.Mirrors.Dropped}, failed {sidecar.Sidecar.Server.Mirrors.Failed}, sent {sidecar.Sidecar.Server.Mirrors.Sent}, in flight {sidecar.Sidecar.Server.Mirrors.InFlight}, mirror connections {mirror.Connections}, requests {mirror.Requests})");
        Assert.Equal(text, seen.Single());
        Assert.Equal(0, sidecar.Sidecar.Server.Mirrors.Dropped);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Mirror_GoesOutWhenTheBodyEnds_NotWhenThePrimaryAnswers(bool sized)
    {
        // The primary answers only once the mirror has its copy (or after 10 s): a copy sent when
        // the exchange is over would come too late.
        var copied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var mirror = new ScriptedUpstream(async x =>
        {
            await ReadAnyBodyAsync(x);
            copied.TrySetResult();
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var primary = new ScriptedUpstream(async x =>
        {
            await ReadAnyBodyAsync(x);
            var first = await Task.WhenAny(copied.Task, Task.Delay(TimeSpan.FromSeconds(10))) == copied.Task;
            await x.SendAsync($"HTTP/1.1 200 OK\r\nx-mirror-first: {(first ? "yes" : "no")}\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", mirrorPort: mirror.Port, primaryPort: primary.Port);

        using var request = sidecar.NewRequest(HttpMethod.Post, "/post");
        request.Content = new TwoPartContent(new byte[3000], TimeSpan.FromMilliseconds(100), sized);
        request.Headers.Host = "httpbin:8000";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("yes", response.Headers.GetValues("x-mirror-first").Single());
    }

    [Fact]
    public async Task Mirror_OfABodyPastTheBuffer_IsDropped_AndThePrimaryIsServed()
    {
        var mirrored = 0;
        await using var mirror = new ScriptedUpstream(async x =>
        {
            Interlocked.Increment(ref mirrored);
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", new ProxyOptions { MaxReplayBodyBytes = 16 }, mirror.Port);

        using var request = sidecar.NewRequest(HttpMethod.Post, "/post");
        request.Content = new TwoPartContent(new byte[64], TimeSpan.FromMilliseconds(100));
        request.Headers.Host = "httpbin:8000";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("x-served-by").Single());
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Mirrors.Dropped == 1, because: "a body past the buffer is not copied, as Envoy abandons the shadow");
        Assert.Equal(0, Volatile.Read(ref mirrored));
    }

    private static async Task<string> ReadAnyBodyAsync(ScriptedExchange x)
    {
        if (ScriptedHeaders.Get(x.Head, "transfer-encoding") == "chunked")
        {
            return System.Text.Encoding.ASCII.GetString((await x.ReadChunkedBodyAsync()).Body);
        }

        return await x.ReadBodyAsync(int.Parse(ScriptedHeaders.Get(x.Head, "content-length") ?? "0", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Mirror_ShadowHostSuffix_WhenTurnedOn_GoesBeforeThePort()
    {
        var hosts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var mirror = new ScriptedUpstream(async x =>
        {
            hosts.Enqueue(ScriptedHeaders.Get(x.Head, "host") ?? "?");
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", new ProxyOptions { MirrorShadowHostSuffix = true }, mirror.Port);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000", "/");

        Assert.Equal("httpbin:8000", reply.UpstreamHeader("host")); // the primary keeps its host
        await WaitFor.ConditionAsync(() => !hosts.IsEmpty);
        Assert.Equal("httpbin-shadow:8000", hosts.Single());
    }

    [Fact]
    public async Task MirrorPercentage_CopiesAboutThatShare()
    {
        const int n = 400;
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: 25}");
        var before = _upstreams["v2"].Requests;

        await sidecar.DistributionAsync("httpbin:8000", n);
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Mirrors.InFlight == 0);

        var copies = _upstreams["v2"].Requests - before;
        var sigma = Math.Sqrt(n * 0.25 * 0.75);
        Assert.InRange(copies, (n * 0.25) - (5 * sigma), (n * 0.25) + (5 * sigma));
    }

    [Fact]
    public async Task Mirrors_EachEntryWithItsOwnPercentage()
    {
        await using var sidecar = await StartAsync("    mirrors:\n    - destination: {host: httpbin, subset: v2}\n    - destination: {host: httpbin, subset: v3}\n      percentage: {value: 0}");
        var v2 = _upstreams["v2"].Requests;
        var v3 = _upstreams["v3"].Requests;

        for (var i = 0; i < 10; i++)
        {
            await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000");
        }

        await WaitFor.ConditionAsync(() => _upstreams["v2"].Requests - v2 == 10);
        Assert.Equal(v3, _upstreams["v3"].Requests);
    }

    [Fact]
    public async Task StalledMirror_CostsTheClientNothing_AndItsTrafficIsBounded()
    {
        using var stall = new CancellationTokenSource();
        await using var stalled = new ScriptedUpstream(async x =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stall.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", new ProxyOptions { MaxMirrorsInFlight = 4 }, stalled.Port);

        for (var i = 0; i < 30; i++)
        {
            var reply = await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("v1", reply.ServedBy);
        }

        var mirrors = sidecar.Sidecar.Server.Mirrors;
        Assert.True(mirrors.InFlight <= 4, $"{mirrors.InFlight} mirrors in flight");
        Assert.True(mirrors.Dropped >= 26, $"{mirrors.Dropped} dropped");
        await stall.CancelAsync();
    }

    [Fact]
    public async Task Mirrors_CountAgainstTheMirrorClustersCircuitBreaker()
    {
        // Envoy's shadows take the mirror cluster's pool and limits: with http2MaxRequests 2 on
        // subset v2 and a mirror that never answers, two copies are in flight and the rest are lost.
        var reached = 0;
        using var stall = new CancellationTokenSource();
        await using var stalled = new ScriptedUpstream(async x =>
        {
            Interlocked.Increment(ref reached);
            try
            {
                await Task.Delay(Timeout.Infinite, stall.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("httpbin", 8000, (_upstreams.PortOf("v1"), "v1"), (stalled.Port, "v2")),
            MeshYaml.Subsets("httpbin", "v1", "v2") + "    trafficPolicy: {connectionPool: {http: {http2MaxRequests: 2}}}\n",
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: httpbin}
            spec:
              hosts: [httpbin]
              http:
              - route:
                - destination: {host: httpbin, subset: v1}
                mirror: {host: httpbin, subset: v2}
            """,
        ], http2: OverHttp2);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v1", (await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000")).ServedBy);
        }

        await WaitFor.ConditionAsync(() => Volatile.Read(ref reached) == 2);
        Assert.Equal(8, sidecar.Sidecar.Server.Mirrors.Dropped);
        await Task.Delay(200); // nothing more arrives
        Assert.Equal(2, Volatile.Read(ref reached));
        await stall.CancelAsync();
    }

    [SkippableFact]
    public async Task IstioSample_MirroringTask_V1ServesV2GetsCopies()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        var yaml = await File.ReadAllTextAsync(Path.Combine(samples!, "docs-mirroring-httpbin-mirror-v2.yaml"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("httpbin", 8000, (_upstreams.PortOf("v1"), "v1"), (_upstreams.PortOf("v2"), "v2")),
            MeshYaml.Subsets("httpbin", "v1", "v2"),
            yaml,
        ], http2: OverHttp2);
        var before = _upstreams["v2"].Requests;

        var reply = await sidecar.SendAsync(HttpMethod.Get, "httpbin:8000", "/headers");

        Assert.Equal("v1", reply.ServedBy);
        await WaitFor.ConditionAsync(() => _upstreams["v2"].Requests > before);
        _ = JsonDocument.Parse(reply.Body);
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class MirroringTestsOverH2c : MirroringTests
{
    protected override bool OverHttp2 => true;

    [Fact]
    public async Task Mirror_CopiesABodyOfDeclaredLength_WhoseEndStreamComesAfterTheAnswer()
    {
        // The body's last byte ends it (the codec refuses more): the copy does not wait for an
        // END_STREAM that comes later, by then the upstream has answered and the exchange is over.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var mirror = new ScriptedUpstream(async x =>
        {
            seen.Enqueue(await x.ReadBodyAsync(5));
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var primary = new ScriptedUpstream(async x =>
        {
            await x.ReadBodyAsync(5);
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync("    mirror: {host: httpbin, subset: v2}", mirrorPort: mirror.Port, primaryPort: primary.Port);
        await using var client = await Http2.Support.RawH2Client.HandshakeAsync(sidecar.Endpoint);

        var block = Http2.Support.RawH2Client.Block((":method", "POST"), (":scheme", "http"), (":authority", "httpbin:8000"), (":path", "/post"), ("content-length", "5"));
        await client.SendAsync(Http2.Support.RawH2Client.Frames(w =>
        {
            Engine.Protocols.Http2.Http2FrameWriter.WriteHeaders(w, 1, block, endStream: false, 16_384);
            Engine.Protocols.Http2.Http2FrameWriter.WriteData(w, 1, new System.Buffers.ReadOnlySequence<byte>("hello"u8.ToArray()), false, 16_384);
        }));
        var (head, body, reset) = await client.ReadResponseAsync(1);

        Assert.Null(reset);
        Assert.Equal(200, head?.StatusCode);
        Assert.Equal("ok", System.Text.Encoding.ASCII.GetString(body));
        await WaitFor.ConditionAsync(() => !seen.IsEmpty, because: "the copy goes out with the body's last byte");
        Assert.Equal("hello", seen.Single());
        await client.SendDataAsync(1, [], endStream: true);
    }
}
