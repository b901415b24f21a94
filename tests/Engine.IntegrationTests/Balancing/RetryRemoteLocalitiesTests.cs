using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Balancing;

/// <summary>
/// <c>retries.retryRemoteLocalities</c> through the proxy, for a sidecar at <c>r1/z1/s1</c> whose
/// own locality has three endpoints that all answer 503 and a healthy one in <c>r1/z2</c> (outlier
/// detection on, as failover needs, but never ejecting here). Two retries: Istio's
/// previous_priorities (update frequency 2) sends the second retry to the next priority level;
/// without it every try stays in the sidecar's locality.
/// </summary>
public sealed class RetryRemoteLocalitiesTests : IAsyncLifetime
{
    private readonly ScriptedUpstream[] _near = [.. Enumerable.Range(0, 3).Select(i => new ScriptedUpstream(x => x.SendAsync($"HTTP/1.1 503 Service Unavailable\r\nx-served-by: near{i}\r\nContent-Length: 0\r\n\r\n")))];
    private Upstreams _far = null!;

    public async Task InitializeAsync() => _far = await Upstreams.StartAsync("far");

    public async Task DisposeAsync()
    {
        await _far.DisposeAsync();
        foreach (var near in _near)
        {
            await near.DisposeAsync();
        }
    }

    private Task<TestSidecar> StartAsync(bool retryRemoteLocalities, bool http2 = false) => TestSidecar.StartAsync(
    [
        $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc}
        spec:
          hosts: [svc]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 8080, name: http, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: {{_near[0].Port}}}, locality: r1/z1/s1}
          - {address: 127.0.0.1, ports: {http: {{_near[1].Port}}}, locality: r1/z1/s1}
          - {address: 127.0.0.1, ports: {http: {{_near[2].Port}}}, locality: r1/z1/s1}
          - {address: 127.0.0.1, ports: {http: {{_far.PortOf("far")}}}, locality: r1/z2}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 100000, interval: 10s, baseEjectionTime: 30s}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {host: svc}
            retries: {attempts: 2, retryOn: 5xx, retryRemoteLocalities: {{(retryRemoteLocalities ? "true" : "false")}}}
        """,
    ], locality: "r1/z1/s1", http2: http2);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheSecondRetry_GoesToTheNextLocality(bool http2)
    {
        // Over HTTP/1.1 the session's own attempt loop runs; over h2c the shared one.
        await using var sidecar = await StartAsync(retryRemoteLocalities: true, http2);

        for (var i = 0; i < 10; i++)
        {
            var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/");
            Assert.Equal((HttpStatusCode.OK, "far"), (reply.Status, reply.ServedBy));
        }
    }

    [Fact]
    public async Task WithoutIt_TheRetriesStayInTheSidecarsLocality()
    {
        await using var sidecar = await StartAsync(retryRemoteLocalities: false);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add((await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/")).Status);
        }

        // Each try in r1/z1/s1 avoids the hosts already tried: the third is the last near one
        // (reaching far only when five re-asks all miss it and the fallback draws far: about 7% a request).
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
    }
}
