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

    private const string DefaultOutlierDetection = "{consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s}";

    /// <summary>Ejects at the first 5xx, any number of endpoints, with <c>minHealthPercent</c> as given.</summary>
    private static string EjectAtOnce(int minHealthPercent = 0)
        => $"{{consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 300s, maxEjectionPercent: 100, minHealthPercent: {minHealthPercent}}}";

    private static string Rule(string loadBalancer, bool outlierDetection = true, string outlier = DefaultOutlierDetection) => $$"""

        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer: {{loadBalancer}}
        {{(outlierDetection ? "    outlierDetection: " + outlier : string.Empty)}}
        """;

    private static Cluster Build(string yaml, string locality = "us-east/zone1/a", params (string Key, string Value)[] labels)
        => CompiledMesh.Build(yaml, new SeededRandom(7), new RouteCompileOptions { ProxyLocality = locality, ProxyLabels = labels.ToDictionary(l => l.Key, l => l.Value) }).Clusters[Cluster];

    /// <summary>The priority levels, best first, as their endpoints' addresses.</summary>
    private static string[] Levels(Cluster cluster)
        => cluster.Localities!.Levels.Select(level => string.Join(",", level.Endpoints.Select(e => e.Address.Address.ToString()))).ToArray();

    /// <summary>The localities of the first level with their weights: "address,address=weight".</summary>
    private static string[] Weights(Cluster cluster)
        => cluster.Localities!.Levels[0].Localities.Select(l => string.Join(",", l.Endpoints.Select(e => e.Address.Address.ToString())) + "=" + l.Weight).ToArray();

    private static Dictionary<string, int> Picks(Cluster cluster, Endpoint[] healthy, int count = 20_000)
        => Count(count, () => cluster.Localities!.Pick(healthy));

    private static Dictionary<string, int> Count(int count, Func<Endpoint?> pick)
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var address = pick()?.Address.Address.ToString() ?? "none";
            counts[address] = counts.GetValueOrDefault(address) + 1;
        }

        return counts;
    }

    private static void Eject(Cluster cluster, params string[] addresses)
    {
        foreach (var endpoint in cluster.Endpoints.Where(e => addresses.Contains(e.Address.Address.ToString())))
        {
            cluster.Outlier!.RecordResponse(endpoint, 503);
            Assert.True(cluster.Outlier.IsEjected(endpoint));
        }
    }

    private static Endpoint[] Without(Cluster cluster, params string[] addresses)
        => cluster.Endpoints.Where(e => !addresses.Contains(e.Address.Address.ToString())).ToArray();

    [Fact]
    public void Failover_RanksSubzoneZoneRegionThenTheRest()
    {
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}"));

        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4,10.0.0.5"], Levels(cluster));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.1"] = 1000 }, Picks(cluster, cluster.Endpoints, 1000));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.2"] = 1000 }, Picks(cluster, Without(cluster, "10.0.0.1"), 1000));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.3"] = 1000 }, Picks(cluster, Without(cluster, "10.0.0.1", "10.0.0.2"), 1000));
        Assert.Null(cluster.Localities!.Pick([]));
    }

    [Fact]
    public void RetryRemoteLocalities_LeavesTheTriedLevelsOut_AndAllOfThemOutMeansNone()
    {
        // Envoy's previous_priorities: the load is distributed again as if the tried levels had no
        // healthy endpoint; when that leaves none, the exclusion is dropped.
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}"));
        var localities = cluster.Localities!;
        Endpoint?[] first = [.. cluster.Endpoints.Where(e => e.Address.Address.ToString() == "10.0.0.1")];
        Endpoint?[] firstTwo = [.. cluster.Endpoints.Where(e => e.Address.Address.ToString() is "10.0.0.1" or "10.0.0.2")];

        Assert.Equal(0b1UL, localities.LevelsOf(first));
        Assert.Equal(0b11UL, localities.LevelsOf(firstTwo));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.2"] = 1000 }, Count(1000, () => localities.Pick(cluster.Endpoints, excludedLevels: 0b1)));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.3"] = 1000 }, Count(1000, () => localities.Pick(cluster.Endpoints, excludedLevels: 0b11)));
        Assert.Equal(new Dictionary<string, int> { ["10.0.0.1"] = 1000 }, Count(1000, () => localities.Pick(cluster.Endpoints, excludedLevels: 0b1111)));
    }

    [Fact]
    public void RetryRemoteLocalities_SpillsAsTheRemainingLevelsHealthAllows()
    {
        // Level 1 (10.0.0.2) ejected, level 0 tried: of what is left, level 2 carries it all.
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}"));
        var available = Without(cluster, "10.0.0.2");

        var picks = Count(1000, () => cluster.Localities!.Pick(available, excludedLevels: 0b1));

        Assert.Equal(new Dictionary<string, int> { ["10.0.0.3"] = 1000 }, picks);
    }

    [Fact]
    public void Failover_SpillsWhatAPartlyHealthyLevelCannotCarry()
    {
        // Three endpoints in the sidecar's subzone, two healthy: health 140 × 2/3 = 93%; 7% spills over.
        var yaml = Endpoints
            .Replace("10.0.0.2, locality: us-east/zone1/b", "10.0.0.2, locality: us-east/zone1/a", StringComparison.Ordinal)
            .Replace("10.0.0.3, locality: us-east/zone2", "10.0.0.3, locality: us-east/zone1/a", StringComparison.Ordinal);
        var cluster = Build(yaml + Rule("{simple: ROUND_ROBIN}"));

        var picks = Picks(cluster, Without(cluster, "10.0.0.3"));

        Assert.Equal(["10.0.0.1,10.0.0.2,10.0.0.3", "10.0.0.4,10.0.0.5"], Levels(cluster));
        var spilled = picks.GetValueOrDefault("10.0.0.4") + picks.GetValueOrDefault("10.0.0.5");
        Assert.InRange(spilled / 20_000.0, 0.055, 0.085);
        Assert.False(picks.ContainsKey("10.0.0.3"));
    }

    [Fact]
    public void FailoverRule_PutsItsTargetRegionBeforeTheRest()
    {
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failover: [{from: us-east, to: eu-west}]}}"));

        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.4"], Levels(cluster));
    }

    [Fact]
    public void FailoverPriority_RanksByTheLabelsSharedWithTheSidecar()
    {
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failoverPriority: [version, topology.kubernetes.io/region]}}"), "us-west/zone9", ("version", "v1"));

        // version and region shared: none; version only: .1 .2 .3 .5; neither: .4 (version v2, us-west).
        Assert.Equal(["10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.5", "10.0.0.4"], Levels(cluster));
    }

    [Fact]
    public void FailoverPriority_WithFailover_RanksByLabelsFirst_ThenByLocalityWithinEach()
    {
        // Istio: label priority × 5 + locality priority. Sidecar v1 in us-east/zone1/a, failover
        // us-east → eu-west. Label v1 (first): .1 (same subzone), .2 (same zone), .3 (same region),
        // .5 (eu-west, the failover target); label v2 (second): .4 (us-west, the rest).
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failoverPriority: [version], failover: [{from: us-east, to: eu-west}]}}"), "us-east/zone1/a", ("version", "v1"));

        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.4"], Levels(cluster));

        // Within the v2 label level the locality order still holds: a v2 endpoint in the sidecar's
        // own subzone comes after every v1 endpoint, but before the v2 one in us-west.
        var yaml = Endpoints.Replace("- {address: 10.0.0.5, locality: eu-west/zone1, labels: {version: v1}}",
            "- {address: 10.0.0.5, locality: eu-west/zone1, labels: {version: v1}}\n  - {address: 10.0.0.6, locality: us-east/zone1/a, labels: {version: v2}}", StringComparison.Ordinal);
        cluster = Build(yaml + Rule("{localityLbSetting: {failoverPriority: [version], failover: [{from: us-east, to: eu-west}]}}"), "us-east/zone1/a", ("version", "v1"));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6", "10.0.0.4"], Levels(cluster));
    }

    [Fact]
    public void FailoverPriority_ALabelWithAValue_MatchesThatValue_NotTheSidecars()
    {
        // "version=v2": endpoints labelled v2 come first although the sidecar is v1.
        var cluster = Build(Endpoints + Rule("{localityLbSetting: {failoverPriority: [version=v2]}}"), "us-east/zone1/a", ("version", "v1"));

        Assert.Equal(["10.0.0.4", "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.5"], Levels(cluster));
    }

    [Fact]
    public void Distribute_SplitsByItsWeights_AndLeavesOtherLocalitiesOut()
    {
        var cluster = Build(Endpoints + Rule("""{localityLbSetting: {distribute: [{from: "us-east/zone1/*", to: {"us-east/zone1/*": 80, "us-west/*": 20}}]}}""", outlierDetection: false));

        var picks = Picks(cluster, cluster.Endpoints);

        // us-east/zone1/* matches two localities of one endpoint each: 80 × 1/2 = 40 apiece.
        Assert.Equal(["10.0.0.1=40", "10.0.0.2=40", "10.0.0.4=20"], Weights(cluster));
        Assert.InRange(picks["10.0.0.4"] / 20_000.0, 0.18, 0.22);
        Assert.InRange(picks["10.0.0.1"] / 20_000.0, 0.38, 0.42);
        Assert.Equal(20_000, picks["10.0.0.1"] + picks["10.0.0.2"] + picks["10.0.0.4"]);
    }

    [Fact]
    public void Distribute_LocalitiesTakeTurnsByWeight_SoAFewRequestsAlreadySplitByIt()
    {
        // Envoy's EDF locality schedule: 80/20 is A A A A B over and over, so every five
        // consecutive requests send exactly one to the 20 (a random draw does so only on average).
        var cluster = Build(Endpoints + Rule("""{localityLbSetting: {distribute: [{from: "us-east/zone1/*", to: {"us-east/zone1/a": 80, "us-west/*": 20}}]}}""", outlierDetection: false));

        var sequence = Enumerable.Range(0, 50).Select(_ => cluster.Localities!.Pick(cluster.Endpoints)!.Address.Address.ToString()).ToArray();

        Assert.Equal(["10.0.0.1=80", "10.0.0.4=20"], Weights(cluster));
        for (var i = 0; i + 5 <= sequence.Length; i++)
        {
            Assert.True(sequence.Skip(i).Take(5).Count(a => a == "10.0.0.4") == 1, $"picks {i}..{i + 4}: {string.Join(" ", sequence.Skip(i).Take(5))}");
        }
    }

    [Fact]
    public void Distribute_DividesAKeysWeightByTheLocalitiesOwnWeights_RoundingUp()
    {
        // us-east/zone2 gets two more endpoints, one of weight 3: it weighs 1 + 1 + 3 = 5, each
        // us-east/zone1 subzone 1. Istio gives a key's weight to the localities it matches in
        // proportion to those weights, rounded up: 80 × 1/7 → 12, 80 × 5/7 → 58.
        var yaml = Endpoints.Replace("""
              - {address: 10.0.0.4,
            """, """
              - {address: 10.0.0.6, locality: us-east/zone2, labels: {version: v1}}
              - {address: 10.0.0.7, locality: us-east/zone2, weight: 3, labels: {version: v1}}
              - {address: 10.0.0.4,
            """, StringComparison.Ordinal);
        var cluster = Build(yaml + Rule("""{localityLbSetting: {distribute: [{from: "us-east/zone1/a", to: {"us-east/*": 80, "us-west/*": 20}}]}}""", outlierDetection: false));

        Assert.Equal(["10.0.0.1=12", "10.0.0.2=12", "10.0.0.3,10.0.0.6,10.0.0.7=58", "10.0.0.4=20"], Weights(cluster));
        var picks = Picks(cluster, cluster.Endpoints);
        Assert.InRange(picks["10.0.0.4"] / 20_000.0, 0.18, 0.22); // 20/102
        Assert.InRange(picks["10.0.0.1"] / 20_000.0, 0.10, 0.135); // 12/102
        Assert.False(picks.ContainsKey("10.0.0.5"));

        // Rounding up makes a small weight over several localities grow: 3 over weights 1, 1 and
        // 5 gives ceil(3/7) = 1, 1 and ceil(15/7) = 3, five in all.
        var rounded = Build(yaml + Rule("""{localityLbSetting: {distribute: [{from: "us-east/*", to: {"us-west/*": 97, "us-east/*": 3}}]}}""", outlierDetection: false));

        Assert.Equal(["10.0.0.4=97", "10.0.0.1=1", "10.0.0.2=1", "10.0.0.3,10.0.0.6,10.0.0.7=3"], Weights(rounded));
    }

    [Fact]
    public void Distribute_ScalesALocalitysWeightByItsHealth_WithTheOverprovisioningFactor()
    {
        // us-east/zone1/a and /b get 50 each; with one of /a's two endpoints ejected, /a's weight
        // is 50 × min(1, 1.4 × 1/2) = 35: it takes 35/85 = 41% (Envoy's effective locality weight).
        var yaml = Endpoints.Replace("10.0.0.3, locality: us-east/zone2", "10.0.0.3, locality: us-east/zone1/a", StringComparison.Ordinal);
        var cluster = Build(yaml + Rule("""{localityLbSetting: {distribute: [{from: "us-east/*", to: {"us-east/zone1/a": 50, "us-east/zone1/b": 50}}]}}""", outlier: EjectAtOnce()));

        var picks = Picks(cluster, Without(cluster, "10.0.0.3"));

        Assert.InRange(picks["10.0.0.1"] / 20_000.0, 0.39, 0.43);
        Assert.InRange(picks["10.0.0.2"] / 20_000.0, 0.57, 0.61);
        Assert.False(picks.ContainsKey("10.0.0.3"));
    }

    [Fact]
    public void Distribute_ThatKeepsNoLocality_LeavesTheClusterWithoutEndpoints()
    {
        // Istio empties every locality no key matches: Envoy has no host to send to (503 UH).
        var cluster = Build(Endpoints + Rule("""{localityLbSetting: {distribute: [{from: "us-east/*", to: {"ap-south/*": 100}}]}}""", outlierDetection: false));

        Assert.Empty(cluster.Localities!.Levels);
        Assert.Null(cluster.Pick());
    }

    [Fact]
    public void Failover_LevelsGoIntoPanicOnlyWhenTheyTogetherCannotCarryTheLoad()
    {
        // minHealthPercent 50 and 3 of 5 endpoints ejected (40% healthy). The cluster as a whole
        // is under the threshold, but the fourth level is whole: Envoy sends it everything and
        // nothing to the ejected endpoints of the levels above.
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}", outlier: EjectAtOnce(minHealthPercent: 50)));
        Eject(cluster, "10.0.0.1", "10.0.0.2", "10.0.0.3");

        var picks = Count(1000, cluster.Pick);

        Assert.Equal(1000, picks.GetValueOrDefault("10.0.0.4") + picks.GetValueOrDefault("10.0.0.5"));
    }

    [Fact]
    public void Failover_WithEveryLevelInPanic_SpreadsLoadByEndpointCount_OverEjectedEndpointsToo()
    {
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}", outlier: EjectAtOnce(minHealthPercent: 50)));
        Eject(cluster, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5");

        var picks = Count(10_000, cluster.Pick);

        // Levels of 1, 1, 1 and 2 endpoints: 20%, 20%, 20%, 40% (10.0.0.4 and .5 share the last).
        Assert.Equal(5, picks.Count);
        Assert.All(picks.Values, n => Assert.InRange(n / 10_000.0, 0.17, 0.23));
    }

    [Fact]
    public void Failover_WithoutPanic_AnswersNothing_WhenEveryEndpointIsEjected()
    {
        var cluster = Build(Endpoints + Rule("{simple: ROUND_ROBIN}", outlier: EjectAtOnce()));
        Eject(cluster, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5");

        Assert.Null(cluster.Pick());
    }

    [Fact]
    public void NoLocalityBalancing_WithoutOutlierDetection_WithoutALocality_OrSwitchedOff()
    {
        Assert.Null(Build(Endpoints + Rule("{simple: ROUND_ROBIN}", outlierDetection: false)).Localities);
        Assert.Null(Build(Endpoints + Rule("{simple: ROUND_ROBIN}"), locality: string.Empty).Localities);
        Assert.Null(Build(Endpoints + Rule("{localityLbSetting: {enabled: false}}")).Localities);
    }
}
