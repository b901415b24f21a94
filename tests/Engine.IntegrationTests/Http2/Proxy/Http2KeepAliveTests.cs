using System.Diagnostics;
using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// DestinationRule <c>connectionPool.http.http2KeepAlive</c> (Envoy's connection_keepalive): the
/// sidecar PINGs each upstream HTTP/2 connection every interval; one whose PING is not acknowledged
/// within the timeout is closed, and the next request gets a new connection. A raw server decides
/// whether PINGs are answered.
/// </summary>
public sealed class Http2KeepAliveTests
{
    private const string KeepAlive = "{http: {http2KeepAlive: {interval: 1s, timeout: 1s}}}";

    [Fact]
    public async Task AnsweredPings_ComeEveryInterval_AndTheConnectionStays()
    {
        await using var server = RawH2Server.Start(answerPings: true);
        await using var sidecar = await TestSidecar.StartAsync(Mesh(server.Endpoint.Port, KeepAlive));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        await WaitFor.ConditionAsync(() => server.PingsReceived >= 2, because: "a PING every second");

        Assert.Equal(0, server.ConnectionsClosed);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        Assert.Equal(1, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task UnansweredPing_ClosesTheConnectionAfterTheTimeout_AndTheNextRequestOpensAnother()
    {
        await using var server = RawH2Server.Start(answerPings: false);
        await using var sidecar = await TestSidecar.StartAsync(Mesh(server.Endpoint.Port, KeepAlive));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        await WaitFor.ConditionAsync(() => server.ConnectionsClosed == 1, because: "the connection whose PING went unanswered is closed");

        Assert.True(server.PingsReceived >= 1, "closed without a PING first");
        var waited = Stopwatch.GetElapsedTime(server.FirstPingAt, server.LastClosedAt);
        Assert.True(waited >= TimeSpan.FromMilliseconds(900), $"closed {waited} after the PING, before its 1s timeout");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        Assert.Equal(2, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task UnansweredPing_WhileTheServerSendsOtherFrames_KeepsTheConnection_UntilItFallsSilent()
    {
        // The server never ACKs, but sends a frame every 200 ms for 4.5 s: as in Envoy, each one
        // restarts the PING's timeout (the ACK may be stuck behind them), so the connection lives
        // past the PING's first timeout (about 3.15 s in) and ends a timeout after the last frame.
        // The timeout is 2 s, ten frames' worth, so a loaded machine that delays a frame or two
        // does not end the connection early.
        await using var server = RawH2Server.Start(answerPings: false, chatterFor: TimeSpan.FromSeconds(4.5));
        await using var sidecar = await TestSidecar.StartAsync(Mesh(server.Endpoint.Port, "{http: {http2KeepAlive: {interval: 1s, timeout: 2s}}}"));
        var opened = Stopwatch.GetTimestamp();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        await WaitFor.ConditionAsync(() => server.PingsReceived >= 1, because: "a PING after the interval");
        var until = TimeSpan.FromSeconds(4) - Stopwatch.GetElapsedTime(opened);
        if (until > TimeSpan.Zero)
        {
            await Task.Delay(until);
        }

        Assert.True(server.ConnectionsClosed == 0, "closed while the server was still sending frames");
        await WaitFor.ConditionAsync(() => server.ConnectionsClosed == 1, because: "the server fell silent and the PING is still unanswered");
        var silentFor = Stopwatch.GetElapsedTime(server.LastChatterAt, server.LastClosedAt);
        Assert.True(silentFor >= TimeSpan.FromSeconds(1.8), $"closed {silentFor} after the server's last frame, before the 2s timeout");
    }

    [Fact]
    public async Task WithoutKeepAlive_NoPingIsSent()
    {
        await using var server = RawH2Server.Start(answerPings: false);
        await using var sidecar = await TestSidecar.StartAsync(Mesh(server.Endpoint.Port, "{http: {http2MaxRequests: 1000}}"));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(sidecar));
        await Task.Delay(1500); // longer than the interval the other tests use

        Assert.Equal(0, server.PingsReceived);
        Assert.Equal(0, server.ConnectionsClosed);
    }

    private static async Task<HttpStatusCode> StatusAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.GetAsync("svc:8080", "/");
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    private static string[] Mesh(int upstreamPort, string connectionPool)
    {
        var service = MeshYaml.Service("svc", 8080, "http2", [(upstreamPort, new Dictionary<string, string> { ["version"] = "v1" })], "HTTP2");
        var destinationRule = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy: {connectionPool: {{connectionPool}}}
            """;
        return [service, destinationRule];
    }
}
