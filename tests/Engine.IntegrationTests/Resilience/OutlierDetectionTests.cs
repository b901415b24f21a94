using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Engine.IntegrationTests.Resilience;

/// <summary>outlierDetection: an endpoint ejected after N 5xx, receiving no traffic, and back after the ejection time (injected clock).</summary>
public sealed class OutlierDetectionTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("good");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    /// <summary>Moves the injected clock a second at a time, as real time passes (see the unit tests' note on FakeTimeProvider).</summary>
    private static void Pass(FakeTimeProvider time, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static string Rule(int consecutive, int maxEjectionPercent = 100) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            outlierDetection: {consecutive5xxErrors: {{consecutive}}, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: {{maxEjectionPercent}}}
        """;

    private static ScriptedUpstream Failing(Action? onRequest = null) => new(async x =>
    {
        onRequest?.Invoke();
        await x.SendAsync("HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n");
    });

    [Fact]
    public async Task AnEndpointEjectedAfterConsecutive5xx_GetsNoTraffic_UntilItsTimeIsUp()
    {
        var badRequests = 0;
        await using var bad = Failing(() => Interlocked.Increment(ref badRequests));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8000, (bad.Port, "v1"), (_upstreams.PortOf("good"), "v1")), Rule(2)], time: time);

        // Round robin alternates: two 500s from the bad endpoint eject it.
        for (var i = 0; i < 4; i++)
        {
            await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
        }

        Assert.Equal(2, Volatile.Read(ref badRequests));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("good", (await sidecar.SendAsync(HttpMethod.Get, "svc:8000")).ServedBy);
        }

        Assert.Equal(2, Volatile.Read(ref badRequests));

        // Three minutes later (and an interval tick), it is back in rotation.
        Pass(time, TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        for (var i = 0; i < 4; i++)
        {
            await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
        }

        Assert.True(Volatile.Read(ref badRequests) > 2, "the endpoint returned after its ejection time");
    }

    [Fact]
    public async Task EjectionTime_GrowsWithEachEjection()
    {
        var badRequests = 0;
        await using var bad = Failing(() => Interlocked.Increment(ref badRequests));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8000, (bad.Port, "v1"), (_upstreams.PortOf("good"), "v1")), Rule(1)], time: time);

        async Task<int> BadHitsAsync(int requests)
        {
            var before = Volatile.Read(ref badRequests);
            for (var i = 0; i < requests; i++)
            {
                await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
            }

            return Volatile.Read(ref badRequests) - before;
        }

        // The interval ticks every second; an endpoint that comes back and fails again within
        // the same interval has not earned its multiplier down (Envoy decrements it once per
        // interval spent healthy).
        Assert.Equal(1, await BadHitsAsync(4)); // ejected on its first 500, for 3 min
        Pass(time, TimeSpan.FromMinutes(3));
        Assert.Equal(1, await BadHitsAsync(4)); // back, fails, ejected again — now for 6 min
        Pass(time, TimeSpan.FromMinutes(3));
        Assert.Equal(0, await BadHitsAsync(4)); // still out after 3 min
        Pass(time, TimeSpan.FromMinutes(3));
        Assert.Equal(1, await BadHitsAsync(4)); // back after 6
    }

    [Fact]
    public async Task AllEndpointsEjected_Gets503NoHealthyUpstream()
    {
        await using var bad1 = Failing();
        await using var bad2 = Failing();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8000, (bad1.Port, "v1"), (bad2.Port, "v1")), Rule(1)], time: time);

        await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
        await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8000", "/uh");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("no healthy upstream", reply.Body);
        Assert.Equal("UH", (await sidecar.Telemetry.SingleAsync("/uh")).FlagCodes);
    }

    [Fact]
    public async Task WithoutOutlierDetection_AFailingEndpointKeepsGettingTraffic()
    {
        var badRequests = 0;
        await using var bad = Failing(() => Interlocked.Increment(ref badRequests));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8000, (bad.Port, "v1"), (_upstreams.PortOf("good"), "v1")),
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: svc}\nspec:\n  host: svc\n  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n",
        ]);

        for (var i = 0; i < 10; i++)
        {
            await sidecar.SendAsync(HttpMethod.Get, "svc:8000");
        }

        Assert.Equal(5, Volatile.Read(ref badRequests));
    }
}
