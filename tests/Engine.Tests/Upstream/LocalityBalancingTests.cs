using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Tests.Interception;
using Engine.Upstream;

namespace Engine.Tests.Upstream;

/// <summary>
/// Locality-aware balancing for a sidecar at <c>us-east/zone1/a</c> (istio-semantics.md §4.3):
/// failover priorities with outlier detection, the overprovisioning spill, failover rules,
/// failoverPriority labels and distribute weights.
/// </summary>
public sealed class LocalityBalancingTests
{
    private const string Cluster = "outbound|9080||reviews.default.svc.cluster.local";

    private const string Endpoints = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9080, name: http, protocol: HTTP}]
          endpoints:
          - {address: 10.0.0.1, locality: us-east/zone1/a, labels: {version: v1}}
          - {address: 10.0.0.2, locality: us-east/zone1/b, labels: {version: v1}}
          - {address: 10.0.0.3, locality: us-east/zone2, labels: {version: v1}}
          - {address: 10.0.0.4, locality: us-west/zone1, labels: {version: v2}}
          - {address: 10.0.0.5, locality: eu-west/zone1, labels: {version: v1}}
        """;

    private static string Rule(string loadBalancer, bool outlierDetection = true) => $$"""

        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer: {{loadBalancer}}
        {{(outlierDetection ? "    outlierDetection: {consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s}" : string.Empty)}}
        """;

    private static Cluster Build(string yaml, string locality = "us-east/zone1/a", params (string Key, string Value)[] labels)
        => CompiledMesh.Build(yaml, new SeededRandom(7), new RouteCompileOptions { ProxyLocality = locality, ProxyLabels = labels.ToDictionary(l => l.Key, l => l.Value) }).Clusters[Cluster];

    private static string[] Groups(Cluster cluster)
        => cluster.Localities!.Groups.Select(g => string.Join(",", g.Endpoints.Select(e => e.Address.Address.ToString()))).ToArray();

    private static Dictionary<string, int> Picks(Cluster cluster, Endpoint[] healthy, int count = 20_000)
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var address = cluster.Localities!.Pick(healthy)!.Address.Address.ToString();
            counts[address] = counts.GetValueOrDefault(address) + 1;
        }

        return counts;
    }

    private static Endpoint[] Without(Cluster cluster, params string[] addresses)
        => cluster.Endpoints.Where(e => !addresses.Contains(e.Address.Address.ToString())).ToArray();

    [Fact]
    public void Failover_RanksSubzoneZoneRegionThenTheRest()
    {
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}"));

        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4,10.0.0.5"], Groups(cluster));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.1"] = 1000 }, Picks(cluster, cluster.Endpoints, 1000));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.2"] = 1000 }, Picks(cluster, Without(cluster, "10.0.0.1"), 1000));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.3"] = 1000 }, Picks(cluster, Without(cluster, "10.0.0.1", "10.0.0.2"), 1000));
        Assert.Null(cluster.Localities!.Pick([]));
    }

    [Fact]
    public void Failover_SpillsWhatAPartlyHealthyLevelCannotCarry()
    {
        // Three endpoints in the sidecar's subzone, two healthy: health 1.4 × 2/3 = 93.3%; 6.7% spills over.
        var yaml = Endpoints
            .Replace("10.0.0.2, locality: us-east/zone1/b", "10.0.0.2, locality: us-east/zone1/a", StringComparison.Ordinal)
            .Replace("10.0.0.3, locality: us-east/zone2", "10.0.0.3, locality: us-east/zone1/a", StringComparison.Ordinal);
        var cluster = Build(yaml + Rule("{simple: ROUND_ROBIN}"));

        var picks = Picks(cluster, Without(cluster, "10.0.0.3"));

        Assert.Equal(["10.0.0.1,10.0.0.2,10.0.0.3", "10.0.0.4,10.0.0.5"], Groups(cluster));
        var spilled = picks.GetValueOrDefault("10.0.0.4") + picks.GetValueOrDefault("10.0.0.5");
        Assert.InRange(spilled / 20_000.0, 0.045, 0.09);
        Assert.False(picks.ContainsKey("10.0.0.3"));
    }

    [Fact]
    public void FailoverRule_PutsItsTargetRegionBeforeTheRest()
    {
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failover: [{from: us-east, to: eu-west}]}}"));

        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.4"], Groups(cluster));
    }

    [Fact]
    public void FailoverPriority_RanksByTheLabelsSharedWithTheSidecar()
    {
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failoverPriority: [version, topology.kubernetes.io/region]}}"), "us-west/zone9", ("version", "v1"));

        // version and region shared: none; version only: .1 .2 .3 .5; neither: .4 (version v2, us-west).
        Assert.Equal(["10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.5", "10.0.0.4"], Groups(cluster));
    }

    [Fact]
    public void Distribute_SplitsByItsWeights_AndLeavesOtherLocalitiesOut()
    {
        var cluster = Build(Endpoints + Rule("""{localityLbSetting: {distribute: [{from: "us-east/zone1/*", to: {"us-east/zone1/*": 80, "us-west/*": 20}}]}}""", outlierDetection: false));

        var picks = Picks(cluster, cluster.Endpoints);

        Assert.Equal(["10.0.0.1,10.0.0.2", "10.0.0.4"], Groups(cluster));
        Assert.InRange(picks["10.0.0.4"] / 20_000.0, 0.17, 0.23);
        Assert.Equal(20_000, picks["10.0.0.1"] + picks["10.0.0.2"] + picks["10.0.0.4"]);
    }

    [Fact]
    public void NoLocalityBalancing_WithoutOutlierDetection_WithoutALocality_OrSwitchedOff()
    {
        Assert.Null(Build(Endpoints + Rule("{simple: ROUND_ROBIN}", outlierDetection: false)).Localities);
        Assert.Null(Build(Endpoints + Rule("{simple: ROUND_ROBIN}"), locality: string.Empty).Localities);
        Assert.Null(Build(Endpoints + Rule("{localityLbSetting: {enabled: false}}")).Localities);
    }
}
