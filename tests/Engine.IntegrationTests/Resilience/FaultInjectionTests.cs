using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>fault.delay and fault.abort: percentages, independent draws, never without a percentage, no upstream contact on abort.</summary>
public class FaultInjectionTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-1");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private Task<TestSidecar> StartAsync(string fault, string extra = "") => TestSidecar.StartAsync(
    [
        MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1")),
        $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {host: svc}
            fault:
        {{fault}}
        {{extra}}
        """,
    ], http2: OverHttp2);

    [Fact]
    public async Task Abort_AnswersLocally_WithoutContactingTheUpstream_AndIsNotRetried()
    {
        await using var sidecar = await StartAsync("      abort: {httpStatus: 555, percentage: {value: 100}}", "    retries: {attempts: 3, retryOn: 5xx}");
        var before = _upstreams["svc-1"].Requests;

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/a");

        Assert.Equal(555, (int)reply.Status);
        Assert.Equal("fault filter abort", reply.Body);
        Assert.Equal(before, _upstreams["svc-1"].Requests);
        Assert.Equal("FI", (await sidecar.Telemetry.SingleAsync("/a")).FlagCodes);
    }

    [Fact]
    public async Task Abort_WithGrpcStatus_IsATrailersOnlyAnswer()
    {
        await using var sidecar = await StartAsync("      abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}");

        var reply = await sidecar.SendAsync(HttpMethod.Post, "svc:8080", "/g", ("content-type", "application/grpc"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("14", reply.Header("grpc-status"));
        Assert.Equal("application/grpc", reply.Header("content-type"));
    }

    [Fact]
    public async Task Delay_WithoutAPercentage_NeverFires()
    {
        await using var sidecar = await StartAsync("      delay: {fixedDelay: 5s}");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/d");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("-", (await sidecar.Telemetry.SingleAsync("/d")).FlagCodes);
    }

    [Fact]
    public async Task Abort_WithoutAPercentage_NeverFires()
    {
        await using var sidecar = await StartAsync("      abort: {httpStatus: 500}");

        Assert.Equal("svc-1", (await sidecar.SendAsync(HttpMethod.Get, "svc:8080")).ServedBy);
    }

    [Fact]
    public async Task Delay_DeprecatedPercent_IsHonoured_AndFlaggedDI()
    {
        await using var sidecar = await StartAsync("      delay: {fixedDelay: 0.05s, percent: 100}");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/dp");

        Assert.Equal("svc-1", reply.ServedBy);
        Assert.Equal("DI", (await sidecar.Telemetry.SingleAsync("/dp")).FlagCodes);
    }

    [Fact]
    public async Task DelayAndAbortPercentages_AreIndependentDraws_WithinTolerance()
    {
        const int n = 1000;
        await using var sidecar = await StartAsync("      delay: {fixedDelay: 0.001s, percentage: {value: 30}}\n      abort: {httpStatus: 503, percentage: {value: 50}}");

        await sidecar.DistributionAsync("svc:8080", n, 8);
        await WaitFor.ConditionAsync(() => sidecar.Telemetry.Requests.Count >= n);

        var records = sidecar.Telemetry.Requests.ToArray();
        var delayed = records.Count(r => (r.Flags & ResponseFlags.DelayInjected) != 0);
        var aborted = records.Count(r => (r.Flags & ResponseFlags.FaultInjected) != 0);
        var both = records.Count(r => (r.Flags & (ResponseFlags.DelayInjected | ResponseFlags.FaultInjected)) == (ResponseFlags.DelayInjected | ResponseFlags.FaultInjected));
        AssertNear(delayed, n, 0.30);
        AssertNear(aborted, n, 0.50);
        AssertNear(both, n, 0.15); // independent: 30 % × 50 %
        Assert.All(records.Where(r => (r.Flags & ResponseFlags.FaultInjected) != 0), r => Assert.Equal(503, r.Status));
    }

    private static void AssertNear(int observed, int n, double p)
    {
        var sigma = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(observed, (n * p) - (5 * sigma), (n * p) + (5 * sigma));
    }

    [SkippableFact]
    public async Task IstioSamples_RatingsTestAbort_OnlyJasonGets500()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("ratings", 9080, (_upstreams.PortOf("svc-1"), "v1")),
            MeshYaml.Subsets("ratings", "v1"),
            await File.ReadAllTextAsync(Path.Combine(samples!, "bookinfo-virtual-service-ratings-test-abort.yaml")),
        ], http2: OverHttp2);
        var before = _upstreams["svc-1"].Requests;

        var jason = await sidecar.SendAsync(HttpMethod.Get, "ratings:9080", "/", ("end-user", "jason"));
        Assert.Equal(HttpStatusCode.InternalServerError, jason.Status);
        Assert.Equal("fault filter abort", jason.Body);
        Assert.Equal(before, _upstreams["svc-1"].Requests);
        Assert.Equal("svc-1", (await sidecar.SendAsync(HttpMethod.Get, "ratings:9080")).ServedBy);
    }

    [SkippableFact]
    public async Task IstioSamples_DetailsFaultInjection_EveryRequestGets555_SecondRuleUnreachable()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("details", 9080, (_upstreams.PortOf("svc-1"), "v1")),
            await File.ReadAllTextAsync(Path.Combine(samples!, "bookinfo-fault-injection-details-v1.yaml")), // brings its own DestinationRule
        ], http2: OverHttp2);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(555, (int)(await sidecar.SendAsync(HttpMethod.Get, "details:9080", "/details/" + i)).Status);
        }

        Assert.Contains(sidecar.Load.Diagnostics, d => d.Message.Contains("unreachable", StringComparison.Ordinal));
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class FaultInjectionTestsOverH2c : FaultInjectionTests
{
    protected override bool OverHttp2 => true;
}
