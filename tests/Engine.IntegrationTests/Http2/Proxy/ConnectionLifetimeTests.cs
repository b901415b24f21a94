using System.Diagnostics;
using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// DestinationRule connection-lifetime fields on an HTTP/2 upstream, as Envoy applies them to its
/// upstream HTTP/2 connections (common_http_protocol_options): <c>http.maxRequestsPerConnection</c>
/// and <c>tcp.maxConnectionDuration</c> retire a connection (streams in flight finish, then it
/// closes; the next request opens a new one), the idle timeout closes one that carries nothing.
/// Kestrel counts the connections it sees open and close.
/// </summary>
public sealed class ConnectionLifetimeTests
{
    private static readonly TimeSpan LongSweep = TimeSpan.FromHours(1);
    private static readonly TimeSpan ShortSweep = TimeSpan.FromMilliseconds(100);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 3)]
    [InlineData(6, 1)]
    public async Task MaxRequestsPerConnection_SequentialRequests_OpenANewConnectionEveryN(int max, int expectedConnections)
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        var pool = max > 0 ? $"{{http: {{maxRequestsPerConnection: {max}}}}}" : "{http: {http2MaxRequests: 1000}}";
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, pool));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        }

        Assert.Equal(expectedConnections, kestrel.ConnectionsOpened);

        // The connections that reached the limit drained and closed; only a connection still taking
        // requests stays (none when the sixth request was the last of one).
        var open = max > 0 && 6 % max == 0 ? 0 : 1;
        await WaitFor.ConditionAsync(() => kestrel.ConnectionsOpen == open, because: $"retired connections close ({kestrel.ConnectionsOpen} open)");
    }

    [Fact]
    public async Task MaxConnectionDuration_ARequestAfterIt_GoesOnANewConnection_WhileTheOneInFlightFinishes()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();

        // No sweep during the test: the age is checked when a stream is opened.
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, "{tcp: {maxConnectionDuration: 1s}}"), poolSweepInterval: LongSweep);

        var opened = Stopwatch.StartNew();
        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        var held = GateAsync(sidecar);
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the held request reaches the server");
        Assert.Equal(1, kestrel.ConnectionsOpened);

        // Time itself is what is tested: let the connection grow older than its maximum.
        var left = TimeSpan.FromMilliseconds(1100) - opened.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        Assert.Equal(2, kestrel.ConnectionsOpened);
        Assert.Equal(2, kestrel.ConnectionsOpen);

        kestrel.OpenGate();
        Assert.Equal((HttpStatusCode.OK, "passed"), await held);
        await WaitFor.ConditionAsync(() => kestrel.ConnectionsOpen == 1, because: "the old connection closes once its last stream is done");
    }

    [Fact]
    public async Task MaxConnectionDuration_AnIdleOldConnection_IsClosedByTheSweep()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, "{tcp: {maxConnectionDuration: 1s}}"), poolSweepInterval: ShortSweep);

        var opened = Stopwatch.StartNew();
        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        await WaitFor.ConditionAsync(() => kestrel.ConnectionsOpen == 0, because: "the sweep retires the old connection with no request to check it");

        Assert.True(opened.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed after {opened.Elapsed}, before its 1s");
        Assert.Equal(1, kestrel.ConnectionsOpened);
    }

    [Theory]
    [InlineData("{http: {idleTimeout: 1s}}")]
    [InlineData("{tcp: {idleTimeout: 1s}}")]
    [InlineData("{http: {idleTimeout: 1s}, tcp: {idleTimeout: 1h}}")] // http's wins, as in Istio
    public async Task IdleTimeout_AConnectionWithoutStreams_IsClosed_AndTheNextRequestOpensAnother(string pool)
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, pool), poolSweepInterval: ShortSweep);

        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        var idle = Stopwatch.StartNew();
        await WaitFor.ConditionAsync(() => kestrel.ConnectionsOpen == 0, because: "the idle connection is closed");

        Assert.True(idle.Elapsed >= TimeSpan.FromMilliseconds(900), $"closed after {idle.Elapsed} idle, before its 1s");
        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        Assert.Equal(2, kestrel.ConnectionsOpened);
    }

    [Fact]
    public async Task IdleTimeout_AConnectionWithAStreamInFlight_KeepsTakingRequests()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, "{http: {idleTimeout: 1s}}"), poolSweepInterval: ShortSweep);

        var held = GateAsync(sidecar);
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the held request reaches the server");
        await Task.Delay(1500); // longer than the idle timeout, with a stream open all along

        // Not drained either: the next request shares the connection.
        Assert.Equal((HttpStatusCode.OK, "hello from kestrel"), await HelloAsync(sidecar));
        Assert.Equal((1, 1), (kestrel.ConnectionsOpened, kestrel.ConnectionsOpen));
        kestrel.OpenGate();
        Assert.Equal((HttpStatusCode.OK, "passed"), await held);
    }

    private static async Task<(HttpStatusCode, string)> HelloAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.GetAsync("svc:8080", "/hello");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode, string)> GateAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.GetAsync("svc:8080", "/gate");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
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
