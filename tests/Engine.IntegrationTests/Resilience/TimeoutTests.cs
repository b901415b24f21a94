using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>Route timeouts and per-try timeouts against an upstream that answers late on cue.</summary>
public class TimeoutTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-1");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private Task<TestSidecar> StartAsync(string routeExtras) => TestSidecar.StartAsync(
    [
        MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1")),
        $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"}name: svc{"}"}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {"{"}host: svc{"}"}
        {routeExtras}
        """,
    ], http2: OverHttp2);

    [Fact]
    public async Task RouteTimeout_Answers504UpstreamRequestTimeout_AndDoesNotReuseTheConnection()
    {
        await using var sidecar = await StartAsync("    timeout: 0.3s");
        var connectionsBefore = _upstreams["svc-1"].Connections;

        var slow = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/slow", ("x-echo-delay-ms", "5000"));
        var fast = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/fast");

        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.Status);
        Assert.Equal("upstream request timeout", slow.Body);
        Assert.Contains("UT", (await sidecar.Telemetry.SingleAsync("/slow")).FlagCodes, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fast.Status);
        Assert.Equal(2, _upstreams["svc-1"].Connections - connectionsBefore); // the timed-out connection was not reused
    }

    [Fact]
    public async Task RouteTimeout_NotHitByAFastAnswer()
    {
        await using var sidecar = await StartAsync("    timeout: 5s");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-echo-delay-ms", "50"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task NoTimeout_IsIstiosDefault_ASlowAnswerStillArrives()
    {
        await using var sidecar = await StartAsync(string.Empty);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-echo-delay-ms", "1500"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task PerTryTimeout_RetriesEachSlowTry_AndTheRouteTimeoutBoundsThemAll()
    {
        var attempts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var slow = new ScriptedUpstream(async x =>
        {
            attempts.Enqueue(ScriptedHeaders.Get(x.Head, "x-envoy-attempt-count") ?? "?");
            await Task.Delay(3000);
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (slow.Port, "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                timeout: 2s
                retries: {attempts: 10, perTryTimeout: 0.2s, retryOn: 5xx}
            """,
        ], http2: OverHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/p");

        // 2 s, not 1: at the start of a full run (in-process sidecar, cold JIT, every core busy) a
        // 1 s budget once saw only one attempt. Eleven attempts would still need 2.2 s of per-try
        // timeouts plus backoff, so the route timeout is still what stops them. The upstream reads
        // heads a byte at a time; give the last attempt's head time to be counted.
        Assert.Equal(HttpStatusCode.GatewayTimeout, reply.Status);
        await WaitFor.ConditionAsync(() => attempts.Count >= 2, 5_000, because: "a slow try is retried within the route timeout");
        Assert.True(attempts.Count < 11, $"{attempts.Count} attempts: the route timeout must bound them");
        // Every attempt carried its own count, 1 to n, once. Compared as a set: each attempt comes
        // on a new connection and the upstream reads each head on its own task, so under a full
        // run's load it once recorded attempt 5 before attempt 4 (sent 0.2 s apart).
        Assert.Equal(
            Enumerable.Range(1, attempts.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            attempts.OrderBy(a => a.Length).ThenBy(a => a, StringComparer.Ordinal));
        Assert.True(((await sidecar.Telemetry.SingleAsync("/p")).Flags & ResponseFlags.UpstreamRequestTimeout) != 0);
    }

    [Fact]
    public async Task PerTryTimeout_WithoutARetryCondition_IsA504AfterOneTry()
    {
        var attempts = 0;
        await using var slow = new ScriptedUpstream(async x =>
        {
            Interlocked.Increment(ref attempts);
            await Task.Delay(2000);
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (slow.Port, "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                retries: {attempts: 3, perTryTimeout: 0.2s, retryOn: retriable-4xx}
            """,
        ], http2: OverHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/p");

        Assert.Equal(HttpStatusCode.GatewayTimeout, reply.Status);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class TimeoutTestsOverH2c : TimeoutTests
{
    protected override bool OverHttp2 => true;
}
