using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Samples;

/// <summary>
/// Istio's own bookinfo VirtualService and DestinationRule files, loaded unchanged from
/// ../shared/istio-samples, routing real traffic to real upstreams as Istio documents. The
/// registry Istio would get from Kubernetes is given as ServiceEntries (istio-semantics.md §5.4).
/// </summary>
public sealed class IstioBookinfoSampleTests : IAsyncLifetime
{
    private static readonly string[] Workloads =
    [
        "productpage-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1", "ratings-v2", "details-v1", "details-v2",
    ];

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync(Workloads);

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private async Task<TestSidecar> StartAsync(string sampleFile)
    {
        var samples = RepoPaths.IstioSamples ?? throw new Xunit.SkipException("../shared/istio-samples is not present (Istio sample YAML lives beside the repository)");
        var services = new[] { "productpage", "reviews", "ratings", "details" }.Select(service =>
            MeshYaml.Service(service, 9080, Workloads.Where(w => w.StartsWith(service + "-", StringComparison.Ordinal))
                .Select(w => (_upstreams.PortOf(w), w[(service.Length + 1)..])).ToArray()));
        return await TestSidecar.StartAsync(
        [
            .. services,
            await File.ReadAllTextAsync(Path.Combine(samples, "bookinfo-destination-rule-all.yaml")),
            await File.ReadAllTextAsync(Path.Combine(samples, sampleFile)),
        ]);
    }

    private static void AssertShare(Dictionary<string, int> counts, string name, double expected, int total)
    {
        var sigma = Math.Sqrt(total * expected * (1 - expected));
        Assert.InRange(counts.GetValueOrDefault(name), (total * expected) - (5 * sigma), (total * expected) + (5 * sigma));
    }

    [SkippableFact]
    public async Task AllV1_SendsEveryServiceToV1()
    {
        await using var sidecar = await StartAsync("bookinfo-virtual-service-all-v1.yaml");

        foreach (var service in new[] { "productpage", "reviews", "ratings", "details" })
        {
            var counts = await sidecar.DistributionAsync(service + ":9080", 50);
            Assert.Equal(new Dictionary<string, int> { [service + "-v1"] = 50 }, counts);
        }
    }

    [SkippableFact]
    public async Task JasonV2V3_JasonSeesV2_OthersV3()
    {
        await using var sidecar = await StartAsync("bookinfo-virtual-service-reviews-jason-v2-v3.yaml");

        Assert.Equal(new Dictionary<string, int> { ["reviews-v2"] = 50 }, await sidecar.DistributionAsync("reviews:9080", 50, 4, ("end-user", "jason")));
        Assert.Equal(new Dictionary<string, int> { ["reviews-v3"] = 50 }, await sidecar.DistributionAsync("reviews:9080", 50, 4, ("end-user", "bob")));
        Assert.Equal(new Dictionary<string, int> { ["reviews-v3"] = 50 }, await sidecar.DistributionAsync("reviews:9080", 50));
    }

    [SkippableFact]
    public async Task TestV2_JasonSeesV2_OthersV1()
    {
        await using var sidecar = await StartAsync("bookinfo-virtual-service-reviews-test-v2.yaml");

        Assert.Equal("reviews-v2", await sidecar.ServedByAsync("reviews:9080", "/", ("end-user", "jason")));
        Assert.Equal(new Dictionary<string, int> { ["reviews-v1"] = 50 }, await sidecar.DistributionAsync("reviews:9080", 50));
    }

    [SkippableTheory]
    [InlineData("bookinfo-virtual-service-reviews-80-20.yaml", "reviews-v1", 0.8, "reviews-v2")]
    [InlineData("bookinfo-virtual-service-reviews-50-v3.yaml", "reviews-v1", 0.5, "reviews-v3")]
    [InlineData("bookinfo-virtual-service-reviews-v2-v3.yaml", "reviews-v2", 0.5, "reviews-v3")]
    public async Task WeightedSamples_SplitAsConfigured(string file, string first, double share, string second)
    {
        await using var sidecar = await StartAsync(file);
        const int n = 2000;

        var counts = await sidecar.DistributionAsync("reviews:9080", n);

        Assert.Equal(n, counts.GetValueOrDefault(first) + counts.GetValueOrDefault(second));
        AssertShare(counts, first, share, n);
    }

    [SkippableTheory]
    [InlineData("bookinfo-virtual-service-reviews-v3.yaml", "reviews", "reviews-v3")]
    [InlineData("bookinfo-virtual-service-details-v2.yaml", "details", "details-v2")]
    [InlineData("bookinfo-virtual-service-ratings-db.yaml", "ratings", "ratings-v2")]
    [InlineData("bookinfo-virtual-service-ratings-db.yaml", "reviews", "reviews-v3")]
    public async Task SingleSubsetSamples_SendEverythingThere(string file, string service, string workload)
    {
        await using var sidecar = await StartAsync(file);

        Assert.Equal(new Dictionary<string, int> { [workload] = 30 }, await sidecar.DistributionAsync(service + ":9080", 30));
    }
}
