using System.Net;
using System.Net.Sockets;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Proxying;

/// <summary>Upstreams that are down, answer garbage, close or die mid-response: Envoy's answers, and nothing reused that should not be.</summary>
public sealed class UpstreamFailureTests
{
    private static int UnusedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task UpstreamDown_Gets503WithEnvoysConnectFailureBody()
    {
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(UnusedPort()));

        using var response = await sidecar.GetAsync("svc:8080");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("upstream connect error or disconnect/reset before headers", body, StringComparison.Ordinal);
        Assert.Contains("connection failure", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectFailure_IsRetriedOnAnotherEndpoint_ByIstiosDefaultPolicy()
    {
        await using var upstreams = await Upstreams.StartAsync("good");
        var dead = UnusedPort();
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (dead, "v1"), (upstreams.PortOf("good"), "v1"))]);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("good", await sidecar.ServedByAsync("svc:8080"));
        }
    }

    [Fact]
    public async Task GarbageResponse_Gets502()
    {
        await using var upstream = new ScriptedUpstream(async x => { await x.SendAsync("this is not http\r\n\r\n"); x.Close(); });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        using var response = await sidecar.GetAsync("svc:8080");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task ResponseWithContentLengthAndChunked_Gets502()
    {
        await using var upstream = new ScriptedUpstream(x => x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        using var response = await sidecar.GetAsync("svc:8080");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task UpstreamClosesBeforeAnswering_Gets503ConnectionTermination()
    {
        await using var upstream = new ScriptedUpstream(x => { x.Close(); return Task.CompletedTask; });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        using var response = await sidecar.GetAsync("svc:8080");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("connection termination", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleKeepAliveConnection_IsNeverHandedOut_AndARaceIsRetriedOnAFreshOne()
    {
        // Answers as if keep-alive, then closes the connection right after every response:
        // the proxy pools it, and the next request must not fail because of that.
        await using var upstream = new ScriptedUpstream(async x =>
        {
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-n: " + x.RequestNumber + "\r\n\r\nok");
            x.Close();
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        for (var i = 0; i < 10; i++)
        {
            using var response = await sidecar.GetAsync("svc:8080");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(10, upstream.Requests);
    }

    [Fact]
    public async Task UpstreamDiesMidBody_ClientConnectionIsAborted_NotEndedAsComplete()
    {
        await using var upstream = new ScriptedUpstream(async x =>
        {
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('a', 1000));
            x.Reset();
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        var received = await raw.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200", received, StringComparison.Ordinal);
        var body = received[(received.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.True(body.Length < 100_000, "the client must not receive a complete body");
    }

    [Fact]
    public async Task UpstreamDiesMidChunkedBody_ClientNeverSeesTheLastChunk()
    {
        await using var upstream = new ScriptedUpstream(async x =>
        {
            await x.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            x.Close();
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
        var received = await raw.ReadToEndAsync();

        // Whatever part of the body arrived, the message never ends: no last chunk.
        Assert.StartsWith("HTTP/1.1 200", received, StringComparison.Ordinal);
        Assert.DoesNotContain("0\r\n\r\n", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientVanishing_FreesItsUpstreamConnection()
    {
        await using var upstreams = await Upstreams.StartAsync("slow");
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstreams.PortOf("slow")));

        var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nx-echo-delay-ms: 20000\r\n\r\n");
        var pool = sidecar.Sidecar.Pools.All.Single();
        await WaitFor.ConditionAsync(() => pool.OpenConnections == 1, because: "the request reached the upstream");

        await raw.DisposeAsync();

        // Long before the upstream would answer, the upstream connection is closed, not parked.
        await WaitFor.ConditionAsync(() => pool.OpenConnections == 0, timeoutMs: 10_000, because: "the upstream connection was released");
        Assert.Equal(0, pool.IdleConnections);
    }

    [Fact]
    public async Task OtherClients_AreServed_WhileOneUpstreamMisbehaves()
    {
        await using var good = await Upstreams.StartAsync("good");
        await using var bad = new ScriptedUpstream(async x => { await x.SendAsync("garbage\r\n\r\n"); x.Reset(); });
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("good", 8080, (good.PortOf("good"), "v1")),
            MeshYaml.Service("bad", 8080, (bad.Port, "v1")),
        ]);

        var badRequests = Enumerable.Range(0, 20).Select(_ => sidecar.GetAsync("bad:8080")).ToArray();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("good", await sidecar.ServedByAsync("good:8080"));
        }

        foreach (var response in await Task.WhenAll(badRequests))
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            response.Dispose();
        }
    }

    [Fact]
    public async Task ExtraBytesAfterAResponse_NeverPrefixTheNextResponse()
    {
        // Content-Length says 2 but 40 bytes follow, shaped like a second response: a proxy that
        // reused this connection would hand them to the next client as its answer.
        await using var upstream = new ScriptedUpstream(x => x.SendAsync(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        for (var i = 0; i < 5; i++)
        {
            using var response = await sidecar.GetAsync("svc:8080", "/" + i);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task ABodyOnA204_IsNotTakenForTheNextResponse()
    {
        await using var upstream = new ScriptedUpstream(x => x.SendAsync(
            x.RequestNumber == 1 ? "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad" : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood"));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port));

        using var first = await sidecar.GetAsync("svc:8080", "/first");
        using var second = await sidecar.GetAsync("svc:8080", "/second");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal("good", await second.Content.ReadAsStringAsync());
    }
}
