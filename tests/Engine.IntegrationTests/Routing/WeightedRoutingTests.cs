using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>Weighted splits drawn per request: checked over thousands of requests within a statistical tolerance.</summary>
public class WeightedRoutingTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync()
        => _upstreams = await Upstreams.StartAsync("reviews-v1", "reviews-v2", "reviews-v3");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private static string Split(params (string Subset, int Weight)[] weights)
        => $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
            {{string.Join("\n", weights.Select(w => $"    - destination: {{host: reviews, subset: {w.Subset}}}\n      weight: {w.Weight}"))}}
            """;

    private async Task<Dictionary<string, int>> RunAsync(string vs, int requests)
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1"), (_upstreams.PortOf("reviews-v2"), "v2"), (_upstreams.PortOf("reviews-v3"), "v3")),
            MeshYaml.Subsets("reviews", "v1", "v2", "v3"),
            vs,
        ], http2: OverHttp2);
        return await sidecar.DistributionAsync("reviews:9080", requests);
    }

    /// <summary>
    /// Binomial check: the observed share is within 5 standard deviations of the weight's share
    /// (a false failure is a one-in-millions event; a broken split is far outside).
    /// </summary>
    private static void AssertShare(Dictionary<string, int> counts, string name, double expected, int total)
    {
        var observed = counts.GetValueOrDefault(name);
        var sigma = Math.Sqrt(total * expected * (1 - expected));
        Assert.InRange(observed, (total * expected) - (5 * sigma), (total * expected) + (5 * sigma));
    }

    [Fact]
    public async Task EightyTwenty_SplitsWithinTolerance()
    {
        const int n = 2000;
        var counts = await RunAsync(Split(("v1", 80), ("v2", 20)), n);

        Assert.Equal(n, counts.GetValueOrDefault("reviews-v1") + counts.GetValueOrDefault("reviews-v2"));
        AssertShare(counts, "reviews-v1", 0.8, n);
        AssertShare(counts, "reviews-v2", 0.2, n);
    }

    [Fact]
    public async Task FiftyFifty_SplitsWithinTolerance()
    {
        const int n = 2000;
        var counts = await RunAsync(Split(("v1", 50), ("v3", 50)), n);

        Assert.False(counts.ContainsKey("reviews-v2"));
        AssertShare(counts, "reviews-v1", 0.5, n);
        AssertShare(counts, "reviews-v3", 0.5, n);
    }

    [Fact]
    public async Task Weights_AreRelativeToTheirSum_NotTo100()
    {
        const int n = 2000;
        var counts = await RunAsync(Split(("v1", 1), ("v2", 3)), n);

        AssertShare(counts, "reviews-v1", 0.25, n);
        AssertShare(counts, "reviews-v2", 0.75, n);
    }

    [Fact]
    public async Task WeightZero_GetsNoTraffic()
    {
        var counts = await RunAsync(Split(("v1", 0), ("v2", 100)), 300);

        Assert.Equal(300, counts.GetValueOrDefault("reviews-v2"));
    }

    [Fact]
    public async Task SingleUnweightedDestination_GetsEverything()
    {
        var counts = await RunAsync(Split(("v3", 0)), 200);

        Assert.Equal(200, counts.GetValueOrDefault("reviews-v3"));
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class WeightedRoutingTestsOverH2c : WeightedRoutingTests
{
    protected override bool OverHttp2 => true;
}
