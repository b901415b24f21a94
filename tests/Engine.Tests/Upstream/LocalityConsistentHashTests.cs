using Engine.Routing.Compile;
using Engine.Tests.Interception;
using Engine.Upstream;

namespace Engine.Tests.Upstream;

/// <summary>
/// Consistent hashing under locality balancing, as Envoy's ring and Maglev balancers do it: the
/// key's hash first chooses the priority level (<c>hash % 100</c> against the levels' loads), then
/// its endpoint in that level's own table; with <c>distribute</c>, the table places each endpoint
/// by its locality's share.
/// </summary>
public sealed class LocalityConsistentHashTests
{
    private const string Cluster = "outbound|9080||reviews.default.svc.cluster.local";

    // The sidecar is at us-east/zone1/a: .1 and .8 share its subzone, .2 and .9 its zone.
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
          - {address: 10.0.0.1, locality: us-east/zone1/a}
          - {address: 10.0.0.2, locality: us-east/zone1/b}
          - {address: 10.0.0.3, locality: us-east/zone2}
          - {address: 10.0.0.4, locality: us-west/zone1}
          - {address: 10.0.0.5, locality: us-east/zone2}
          - {address: 10.0.0.6, locality: us-east/zone2}
          - {address: 10.0.0.8, locality: us-east/zone1/a}
          - {address: 10.0.0.9, locality: us-east/zone1/b}
        """;

    private static Cluster Build(string consistentHash, string localityLbSetting = "{}", bool outlierDetection = true)
        => CompiledMesh.Build(Endpoints + $$"""

            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: {consistentHash: {{consistentHash}}, localityLbSetting: {{localityLbSetting}}}
            {{(outlierDetection ? "    outlierDetection: {consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 300s, maxEjectionPercent: 100}" : string.Empty)}}
            """, new SeededRandom(11), new RouteCompileOptions { ProxyLocality = "us-east/zone1/a" }).Clusters[Cluster];

    private static ulong[] Keys(int count)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(_ => (ulong)random.NextInt64(long.MinValue, long.MaxValue)).ToArray();
    }

    private static string[] Where(Cluster cluster, ulong[] keys)
        => keys.Select(key => cluster.Pick(key)?.Address.Address.ToString() ?? "none").ToArray();

    private static void Eject(Cluster cluster, params string[] addresses)
    {
        foreach (var endpoint in cluster.Endpoints.Where(e => addresses.Contains(e.Address.Address.ToString())))
        {
            cluster.Outlier!.RecordResponse(endpoint, 503);
        }
    }

    [Theory]
    [InlineData("{httpHeaderName: x-user}")]
    [InlineData("{httpHeaderName: x-user, maglev: {tableSize: 65537}}")]
    public void Failover_AKeyStaysInTheNearestHealthyLevel_OnOneEndpoint(string consistentHash)
    {
        var cluster = Build(consistentHash);
        var keys = Keys(400);

        var healthy = Where(cluster, keys);

        // Every key in the sidecar's subzone, spread over both its endpoints, the same each time.
        Assert.All(healthy, e => Assert.Contains(e, new[] { "10.0.0.1", "10.0.0.8" }));
        Assert.Equal(2, healthy.Distinct().Count());
        Assert.Equal(healthy, Where(cluster, keys));

        Eject(cluster, "10.0.0.1", "10.0.0.8");
        var failedOver = Where(cluster, keys);

        // The subzone is gone: every key moves to the same zone, again on one endpoint each.
        Assert.All(failedOver, e => Assert.Contains(e, new[] { "10.0.0.2", "10.0.0.9" }));
        Assert.Equal(2, failedOver.Distinct().Count());
        Assert.Equal(failedOver, Where(cluster, keys));

        // A retry's neighbour stays in the level too.
        Assert.All(keys, key => Assert.Contains(cluster.Pick(key, attempt: 3)!.Address.Address.ToString(), new[] { "10.0.0.2", "10.0.0.9" }));
    }

    [Fact]
    public void Failover_APartlyHealthyLevel_KeepsTheKeysItsLoadCovers()
    {
        var cluster = Build("{httpHeaderName: x-user}");
        var keys = Keys(2000);
        var before = Where(cluster, keys);

        // One of the subzone's two endpoints out: its health is 140 × 1/2 = 70%, so the keys with
        // hash % 100 below 70 stay (on .8), the others go to the zone.
        Eject(cluster, "10.0.0.1");
        var after = Where(cluster, keys);

        for (var i = 0; i < keys.Length; i++)
        {
            var expected = keys[i] % 100 < 70 ? new[] { "10.0.0.8" } : new[] { "10.0.0.2", "10.0.0.9" };
            Assert.Contains(after[i], expected);
            if (before[i] == "10.0.0.8" && keys[i] % 100 < 70)
            {
                Assert.Equal("10.0.0.8", after[i]); // keys of the endpoint left do not move
            }
        }
    }

    [Fact]
    public void Failover_WithoutAKey_PicksInTheNearestLevel()
    {
        var cluster = Build("{httpHeaderName: x-user}");

        var picks = Enumerable.Range(0, 200).Select(_ => cluster.Pick(hash: null)!.Address.Address.ToString()).ToArray();

        Assert.All(picks, e => Assert.Contains(e, new[] { "10.0.0.1", "10.0.0.8" }));
    }

    [Fact]
    public void Picks_AllocateNothing_OnceTheSplitIsBuilt()
    {
        var cluster = Build("{httpHeaderName: x-user}");
        Eject(cluster, "10.0.0.1"); // two levels take load
        var keys = Keys(64);
        Where(cluster, keys);
        cluster.Pick(hash: null);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            cluster.Pick(keys[i % keys.Length]);
            cluster.Pick(hash: null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("{httpHeaderName: x-user}")]
    [InlineData("{httpHeaderName: x-user, maglev: {tableSize: 65537}}")]
    public void Distribute_PlacesEndpointsByTheirLocalitysShare_AndLeavesOtherLocalitiesOut(string consistentHash)
    {
        // us-east/zone1/a (.1 and .8) gets 80, us-east/zone2 (.3 .5 .6) 20: in the table .1 and .8
        // weigh 40 each, .3 .5 .6 6.7 each; zone1/b and us-west are not in it.
        var cluster = Build(consistentHash, """{distribute: [{from: "us-east/zone1/*", to: {"us-east/zone1/a": 80, "us-east/zone2": 20}}]}""", outlierDetection: false);
        var keys = Keys(6000);

        var counts = Where(cluster, keys).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count() / (double)keys.Length);

        Assert.Equal(["10.0.0.1", "10.0.0.3", "10.0.0.5", "10.0.0.6", "10.0.0.8"], counts.Keys.Order());
        Assert.InRange(counts["10.0.0.1"] + counts["10.0.0.8"], 0.75, 0.85);
        Assert.All(new[] { "10.0.0.3", "10.0.0.5", "10.0.0.6" }, e => Assert.InRange(counts[e], 0.03, 0.11));
    }
}
