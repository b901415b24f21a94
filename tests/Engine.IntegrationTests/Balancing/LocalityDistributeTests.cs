using System.Text;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Balancing;

/// <summary>
/// <c>localityLbSetting.distribute</c> through the real proxy for a sidecar at <c>r1/z1/s1</c>,
/// counting which upstream answered: each <c>to</c> key's weight goes to the localities it matches
/// (divided by their own weights, as Istio's <c>applyLocalityWeights</c> does), Envoy picks a
/// locality by weight scaled by its health, then an endpoint in it; localities no key matches get
/// nothing, hashed requests included (istio-semantics.md §4.3).
/// </summary>
public sealed class LocalityDistributeTests : IAsyncLifetime
{
    private const string Sidecar = "r1/z1/s1";

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("a", "b1", "b2", "b3", "c");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    /// <summary>a in the sidecar's subzone, b1–b3 in r1/z2, c in r2/z1, plus any extra endpoints.</summary>
    private string Endpoints(params (int Port, string Locality)[] extra)
    {
        var yaml = new StringBuilder("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: svc}
            spec:
              hosts: [svc]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8080, name: http, protocol: HTTP}]
              endpoints:

            """);
        (int, string)[] endpoints = [(_upstreams.PortOf("a"), "r1/z1/s1"), (_upstreams.PortOf("b1"), "r1/z2"), (_upstreams.PortOf("b2"), "r1/z2"), (_upstreams.PortOf("b3"), "r1/z2"), (_upstreams.PortOf("c"), "r2/z1")];
        foreach (var (port, locality) in endpoints.Concat(extra))
        {
            yaml.AppendLine($"  - {{address: 127.0.0.1, ports: {{http: {port}}}, locality: {locality}}}");
        }

        return yaml.ToString();
    }

    private static string Rule(string to, string consistentHash = "", string outlierDetection = "", string simple = "") => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc
          trafficPolicy:
            loadBalancer:
              localityLbSetting: {distribute: [{from: "r1/z1/*", to: {{to}}}]}
              {{(consistentHash.Length > 0 ? "consistentHash: " + consistentHash : string.Empty)}}
              {{(simple.Length > 0 ? "simple: " + simple : string.Empty)}}
            {{(outlierDetection.Length > 0 ? "outlierDetection: " + outlierDetection : string.Empty)}}
        """;

    private static async Task<Dictionary<string, double>> SharesAsync(TestSidecar sidecar, int requests)
    {
        var counts = await sidecar.DistributionAsync("svc:8080", requests);
        return counts.ToDictionary(c => c.Key, c => c.Value / (double)requests);
    }

    [Fact]
    public async Task EachLocality_TakesItsKeysWeight_SplitAmongItsEndpoints_AndUnmatchedLocalitiesNone()
    {
        await using var sidecar = await TestSidecar.StartAsync([Endpoints(), Rule("""{"r1/z1/*": 80, "r1/z2/*": 20}""")], locality: Sidecar);

        var shares = await SharesAsync(sidecar, 1500);

        Assert.InRange(shares["a"], 0.75, 0.85);
        Assert.All(new[] { "b1", "b2", "b3" }, b => Assert.InRange(shares.GetValueOrDefault(b), 0.035, 0.10)); // 20% ÷ 3 each
        Assert.False(shares.ContainsKey("c"), string.Join(", ", shares));
        Assert.Equal(1.0, shares.Values.Sum(), precision: 6); // every request answered by a, b1, b2 or b3
    }

    [Fact]
    public async Task AKeyMatchingTwoLocalities_DividesItsWeightByTheirOwnWeights()
    {
        // r1/* matches r1/z1/s1 (one endpoint) and r1/z2 (three): Istio gives them 80 × 1/4 = 20
        // and 80 × 3/4 = 60, their endpoints' weights being 1 each — so every endpoint, c too,
        // takes a fifth. (Split evenly between the two localities, a would take 40%.) Round robin
        // inside a locality: least-request under 8 concurrent requests shifts picks from a
        // momentarily slow endpoint to its neighbours, beyond what this test's range allows.
        await using var sidecar = await TestSidecar.StartAsync([Endpoints(), Rule("""{"r1/*": 80, "r2/*": 20}""", simple: "ROUND_ROBIN")], locality: Sidecar);

        var shares = await SharesAsync(sidecar, 1500);

        Assert.All(new[] { "a", "b1", "b2", "b3", "c" }, e => Assert.InRange(shares.GetValueOrDefault(e), 0.15, 0.25));
    }

    [Fact]
    public async Task ALocalityWithAnEjectedEndpoint_LosesWeightByItsHealth()
    {
        // r1/z1/s1 has a and an endpoint that refuses connections; r1/z2 has b1–b3 (the key for
        // r1/z2/* matches them). 50/50; once the refusing endpoint is ejected, r1/z1/s1 is half
        // healthy and weighs 50 × min(1, 1.4 × 1/2) = 35 against 50: a takes 35/85 = 41%, not 50%.
        using var refusing = new RefusingPort();
        await using var sidecar = await TestSidecar.StartAsync(
            [Endpoints((refusing.Port, "r1/z1/s1")), Rule("""{"r1/z1/*": 50, "r1/z2/*": 50}""", outlierDetection: "{consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}")],
            locality: Sidecar);

        // The refused connection is retried elsewhere (Istio's default retry on connect-failure)
        // and counts as a 5xx: the endpoint is ejected the first time it is picked.
        await sidecar.DistributionAsync("svc:8080", 100);
        var shares = await SharesAsync(sidecar, 1500);

        Assert.InRange(shares["a"], 0.35, 0.465);
        Assert.InRange(shares.GetValueOrDefault("b1") + shares.GetValueOrDefault("b2") + shares.GetValueOrDefault("b3"), 0.535, 0.65);
        Assert.False(shares.ContainsKey("c"));
    }

    [Theory]
    [InlineData("{httpHeaderName: x-user}")]
    [InlineData("{httpHeaderName: x-user, maglev: {tableSize: 65537}}")]
    public async Task HashedRequests_StayInTheKeptLocalities_ByTheirWeights(string consistentHash)
    {
        await using var sidecar = await TestSidecar.StartAsync([Endpoints(), Rule("""{"r1/z1/*": 80, "r1/z2/*": 20}""", consistentHash)], locality: Sidecar);

        var endpointOf = new Dictionary<string, string>();
        for (var user = 0; user < 120; user++)
        {
            var served = new HashSet<string>();
            for (var i = 0; i < 2; i++)
            {
                served.Add(await sidecar.ServedByAsync("svc:8080", "/", ("x-user", $"user-{user}")));
            }

            endpointOf[$"user-{user}"] = Assert.Single(served);
        }

        // The table gives a 80% of the keys and b1–b3 6.7% each; c, left out, none.
        var keys = endpointOf.Values.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count() / 120.0);
        Assert.InRange(keys.GetValueOrDefault("a"), 0.65, 0.92);
        Assert.False(keys.ContainsKey("c"), string.Join(", ", keys));
        Assert.All(keys.Keys, e => Assert.Contains(e, new[] { "a", "b1", "b2", "b3" }));
    }
}
