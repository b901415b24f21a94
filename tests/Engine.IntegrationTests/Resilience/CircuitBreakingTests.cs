using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>connectionPool limits as Envoy circuit breakers: 503 with x-envoy-overloaded (UO) when one trips.</summary>
public sealed class CircuitBreakingTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("httpbin");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private async Task<TestSidecar> StartAsync(string? destinationRule)
    {
        var samples = RepoPaths.IstioSamples;
        destinationRule ??= samples is null
            ? """
              apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata: {name: httpbin}
              spec:
                host: httpbin
                trafficPolicy:
                  connectionPool:
                    tcp: {maxConnections: 1}
                    http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
                  outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}
              """
            : await File.ReadAllTextAsync(Path.Combine(samples, "docs-circuit-breaking-httpbin-destination-rule.yaml"));
        return await TestSidecar.StartAsync([MeshYaml.Service("httpbin", 8000, (_upstreams.PortOf("httpbin"), "v1")), destinationRule]);
    }

    private static async Task<EchoReply[]> ConcurrentAsync(TestSidecar sidecar, int clients)
    {
        // One HttpClient per "client", as fortio's connections: each its own connection to the sidecar.
        var tasks = Enumerable.Range(0, clients).Select(async i =>
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://{sidecar.Endpoint}") };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/get/" + i);
            request.Headers.Host = "httpbin:8000";
            request.Headers.Add("x-echo-delay-ms", "600");
            return await EchoReply.ReadAsync(await client.SendAsync(request));
        });
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task IstioTask_TwoConcurrentClients_BothServed()
    {
        await using var sidecar = await StartAsync(null);

        var replies = await ConcurrentAsync(sidecar, 2);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task IstioTask_ThreeConcurrentClients_OneOverflows_With503Overloaded()
    {
        await using var sidecar = await StartAsync(null);

        var replies = await ConcurrentAsync(sidecar, 3);

        Assert.Equal(2, replies.Count(r => r.Status == HttpStatusCode.OK));
        var overflow = Assert.Single(replies, r => r.Status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("true", overflow.Header("x-envoy-overloaded"));
        Assert.Contains("overflow", overflow.Body, StringComparison.Ordinal);
        await WaitFor.ConditionAsync(() => sidecar.Telemetry.Requests.Count >= 3);
        Assert.Single(sidecar.Telemetry.Requests, r => (r.Flags & ResponseFlags.UpstreamOverflow) != 0);
    }

    [Fact]
    public async Task Http2MaxRequests_LimitsRequestsInFlight()
    {
        await using var sidecar = await StartAsync("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: httpbin}
            spec:
              host: httpbin
              trafficPolicy:
                connectionPool:
                  http: {http2MaxRequests: 2}
            """);

        var replies = await ConcurrentAsync(sidecar, 4);

        Assert.Equal(2, replies.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(2, replies.Count(r => r.Status == HttpStatusCode.ServiceUnavailable && r.Header("x-envoy-overloaded") == "true"));
    }

    [Fact]
    public async Task WithoutLimits_ManyConcurrentClientsAreAllServed()
    {
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("httpbin", 8000, (_upstreams.PortOf("httpbin"), "v1"))]);

        var replies = await ConcurrentAsync(sidecar, 8);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task MaxConnections_HeldByOneEndpoint_AnEndpointWithoutConnectionsStillGetsOne()
    {
        // The one connection maxConnections allows stays open (idle) to the first endpoint; the
        // second endpoint has none. Envoy opens one for it anyway (upstream_cx_overflow): queued
        // behind a slot only the other endpoint could free, its requests would wait for ever
        // (here: until the route timeout, 504).
        await using var upstreams = await Upstreams.StartAsync("a", "b");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8000, (upstreams.PortOf("a"), "v1"), (upstreams.PortOf("b"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool:
                  tcp: {maxConnections: 1}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                timeout: 5s
            """,
        ]);

        var replies = new List<EchoReply>();
        for (var i = 0; i < 4; i++)
        {
            replies.Add(await sidecar.SendAsync(HttpMethod.Get, "svc:8000", "/r" + i));
        }

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(["a", "b"], replies.Select(r => r.ServedBy).Distinct().Order());
    }

    [Fact]
    public async Task MaxRetries_LimitsRetriesOutstandingAcrossRequests()
        => Assert.Equal(3, await AttemptsOfTwoFailingRequestsAsync("{connectionPool: {http: {maxRetries: 1}}}")); // two first tries, one retry: the other retry was refused

    [Fact]
    public async Task RetryBudget_ReplacesMaxRetries()
    {
        // Envoy's retry_budget: 0% of the requests in flight, but at least one retry at a time.
        Assert.Equal(3, await AttemptsOfTwoFailingRequestsAsync("{connectionPool: {http: {maxRetries: 100}}, retryBudget: {percent: 0, minRetryConcurrency: 1}}"));
        Assert.Equal(4, await AttemptsOfTwoFailingRequestsAsync("{retryBudget: {percent: 50}}")); // 50% of 2, at least 3
    }

    /// <summary>Two concurrent requests to an upstream that fails each try after 400 ms, retried once on 5xx: the tries made.</summary>
    private static async Task<int> AttemptsOfTwoFailingRequestsAsync(string trafficPolicy)
    {
        var attempts = 0;
        await using var failing = new ScriptedUpstream(async x =>
        {
            Interlocked.Increment(ref attempts);
            await Task.Delay(400);
            await x.SendAsync("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8000, (failing.Port, "v1")),
            $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy: {{trafficPolicy}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                retries: {attempts: 1, retryOn: 5xx}
            """,
        ]);

        var replies = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => sidecar.SendAsync(HttpMethod.Get, "svc:8000", "/r" + i)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status));
        return Volatile.Read(ref attempts);
    }
}
