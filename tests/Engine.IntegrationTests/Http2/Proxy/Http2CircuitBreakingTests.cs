using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// connectionPool limits on an HTTP/2 upstream, as Envoy's HTTP/2 pool applies them: its
/// connections count against <c>tcp.maxConnections</c>, a request that has to wait for a stream
/// counts against <c>http1MaxPendingRequests</c> (503 with x-envoy-overloaded past it), and an
/// endpoint with no connection at all gets one even when other endpoints hold every slot.
/// <c>maxConcurrentStreams: 1</c> makes each connection carry one stream, so held requests need
/// a connection each.
/// </summary>
public sealed class Http2CircuitBreakingTests
{
    [Fact]
    public async Task MaxConnections_HeldRequestsWaitForTheOneConnection_InsteadOfOpeningMore()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh([kestrel], "tcp: {maxConnections: 1}, http: {maxConcurrentStreams: 1, http1MaxPendingRequests: 10}"));

        var held = Enumerable.Range(0, 3).Select(_ => GateAsync(sidecar)).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the first request reaches the server");
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, kestrel.GateConnections); // one after another on the one connection
    }

    [Fact]
    public async Task MaxConnections_ADrainingConnectionKeepsItsSlot_UntilItCloses()
    {
        // maxRequestsPerConnection: 1 retires each connection after its one stream. While that
        // stream runs the connection still counts (Envoy's draining clients do), so the requests
        // behind it wait instead of each opening a connection past the limit.
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh([kestrel], "tcp: {maxConnections: 1}, http: {maxRequestsPerConnection: 1, http1MaxPendingRequests: 10}"));

        var held = Enumerable.Range(0, 3).Select(_ => GateAsync(sidecar)).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the first request reaches the server");
        await Task.Delay(300); // time for the others to open connections, were they allowed to
        Assert.Equal(1, kestrel.InGate);
        Assert.Equal(1, kestrel.ConnectionsOpen);
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(3, kestrel.GateConnections); // one connection per request, one after another
    }

    [Fact]
    public async Task PendingLimit_ARequestPastIt_Gets503Overloaded_AtOnce()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(Mesh([kestrel], "tcp: {maxConnections: 1}, http: {maxConcurrentStreams: 1, http1MaxPendingRequests: 1}"));

        var first = GateAsync(sidecar);
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the first request holds the only stream");
        var waiting = new[] { GateAsync(sidecar), GateAsync(sidecar) };

        // One of the two waits as pending; the other finds the pending queue full and is answered
        // while the gate is still shut.
        var refused = await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, kestrel.InGate);
        var overflow = await refused;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overflow.Status);
        Assert.Equal("true", overflow.Overloaded);
        Assert.Contains("overflow", overflow.Body, StringComparison.Ordinal);

        kestrel.OpenGate();
        Assert.Equal(HttpStatusCode.OK, (await first).Status);
        Assert.Equal(HttpStatusCode.OK, (await waiting.Single(t => t != refused)).Status);
        await WaitFor.ConditionAsync(() => sidecar.Telemetry.Requests.Count >= 3);
        Assert.Single(sidecar.Telemetry.Requests, r => (r.Flags & Engine.Proxy.ResponseFlags.UpstreamOverflow) != 0);
    }

    [Fact]
    public async Task MaxConnections_HeldByOneEndpoint_AnEndpointWithoutConnectionsStillGetsOne()
    {
        // The first endpoint's connection stays open and holds the cluster's one slot. Without
        // Envoy's exception the second endpoint's requests would wait for a slot of their own
        // endpoint that never frees (here: until the route timeout, 504).
        await using var first = await KestrelH2Server.StartAsync();
        await using var second = await KestrelH2Server.StartAsync();
        first.OpenGate();
        second.OpenGate();
        await using var sidecar = await TestSidecar.StartAsync(Mesh([first, second], "tcp: {maxConnections: 1}"));

        var responses = new List<(HttpStatusCode Status, string? Overloaded, string Body)>();
        for (var i = 0; i < 4; i++)
        {
            responses.Add(await GateAsync(sidecar));
        }

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, first.GateConnections);
        Assert.Equal(1, second.GateConnections);
    }

    private static async Task<(HttpStatusCode Status, string? Overloaded, string Body)> GateAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.GetAsync("svc:8080", "/gate");
        var overloaded = response.Headers.TryGetValues("x-envoy-overloaded", out var values) ? values.First() : null;
        return (response.StatusCode, overloaded, await response.Content.ReadAsStringAsync());
    }

    private static string[] Mesh(KestrelH2Server[] servers, string connectionPool)
    {
        var endpoints = servers.Select(s => (s.Endpoint.Port, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["version"] = "v1" })).ToArray();
        var service = MeshYaml.Service("svc", 8080, "http2", endpoints, "HTTP2");
        var rules = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool: {{{connectionPool}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                timeout: 10s
            """;
        return [service, rules];
    }
}
