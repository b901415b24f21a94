using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Balancing;

/// <summary>DestinationRule loadBalancer.simple through the real proxy, against real upstreams.</summary>
public sealed class LoadBalancingTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("a", "b", "c");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private string[] Mesh(string? simple, params string[] names)
    {
        var service = MeshYaml.Service("svc", 8080, names.Select(n => (_upstreams.PortOf(n), n)).ToArray());
        if (simple is null)
        {
            return [service];
        }

        return
        [
            service,
            $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy:
                loadBalancer: {simple: {{simple}}}
            """,
        ];
    }

    [Fact]
    public async Task RoundRobin_VisitsEachEndpointInTurn()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("ROUND_ROBIN", "a", "b", "c"));

        var served = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            served.Add(await sidecar.ServedByAsync("svc:8080"));
        }

        // Exactly even, and cyclic: the same endpoint every third request.
        Assert.All(served.GroupBy(s => s), g => Assert.Equal(10, g.Count()));
        for (var i = 3; i < served.Count; i++)
        {
            Assert.Equal(served[i - 3], served[i]);
        }
    }

    [Fact]
    public async Task Random_UsesEveryEndpoint_Roughly_Evenly()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("RANDOM", "a", "b", "c"));

        var counts = await sidecar.DistributionAsync("svc:8080", 900);

        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 200, 400)); // expected 300, σ ≈ 14
    }

    [Theory]
    [InlineData(null)]            // Istio's default is LEAST_REQUEST
    [InlineData("LEAST_REQUEST")]
    [InlineData("LEAST_CONN")]    // deprecated alias
    public async Task LeastRequest_PrefersTheIdleEndpoint_OverOneHeldBusy(string? simple)
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(simple, "a", "b"));

        // Hold one endpoint busy with a slow request; which one is the balancer's choice.
        var slow = sidecar.GetAsync("svc:8080", "/", ("x-echo-delay-ms", "3000"));
        await WaitFor.ConditionAsync(() => _upstreams["a"].Requests + _upstreams["b"].Requests >= 1);
        var busy = _upstreams["a"].Requests == 1 ? "a" : "b";
        var idle = busy == "a" ? "b" : "a";

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(idle, await sidecar.ServedByAsync("svc:8080"));
        }

        using var slowResponse = await slow;
        Assert.Equal(busy, slowResponse.Headers.GetValues("x-served-by").Single());
    }

    [Fact]
    public async Task LeastRequest_WithAllIdle_SpreadsLoad()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(null, "a", "b", "c"));

        // One request at a time, so every pick is among endpoints that are all idle: ties must be
        // broken at random, not always the same way. With requests in parallel, an upstream that
        // the machine slows for a moment holds more of them and rightly gets fewer picks, and one
        // full run saw 47 of 600 on one endpoint that way.
        var counts = await sidecar.DistributionAsync("svc:8080", 600, parallelism: 1);

        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 100, 320));
    }

    [Theory]
    [InlineData("ROUND_ROBIN")]
    [InlineData(null)] // LEAST_REQUEST: with all endpoints idle, its weighted schedule is the weights
    public async Task EndpointWeights_ShareTheRequests(string? simple)
    {
        var yaml = new[]
        {
            $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: svc}
            spec:
              hosts: [svc]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 127.0.0.1, ports: {http: {{_upstreams.PortOf("a")}}}, weight: 1}
              - {address: 127.0.0.1, ports: {http: {{_upstreams.PortOf("b")}}}, weight: 2}
              - {address: 127.0.0.1, ports: {http: {{_upstreams.PortOf("c")}}}, weight: 3}
            """,
            simple is null ? "" : Mesh(simple)[1],
        };
        await using var sidecar = await TestSidecar.StartAsync(yaml.Where(y => y.Length > 0));

        var served = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            served.Add(await sidecar.ServedByAsync("svc:8080"));
        }

        var counts = new[] { "a", "b", "c" }.Select(n => served.Count(s => s == n)).ToArray();
        if (simple is not null)
        {
            Assert.Equal([10, 20, 30], counts); // a fixed schedule
        }
        else
        {
            // Least request reads the loads of the moment: a request still counted in flight when
            // the next is picked shifts a pick or two.
            Assert.InRange(counts[0], 6, 14);
            Assert.InRange(counts[1], 16, 24);
            Assert.InRange(counts[2], 26, 34);
        }
    }

    [Fact]
    public async Task SubsetPolicy_OverridesTheParents()
    {
        var yaml = new[]
        {
            MeshYaml.Service("svc", 8080, (_upstreams.PortOf("a"), "v1"), (_upstreams.PortOf("b"), "v1"), (_upstreams.PortOf("c"), "v2")),
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy:
                loadBalancer: {simple: RANDOM}
              subsets:
              - name: v1
                labels: {version: v1}
                trafficPolicy:
                  loadBalancer: {simple: ROUND_ROBIN}
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc, subset: v1}
            """,
        };
        await using var sidecar = await TestSidecar.StartAsync(yaml);

        var served = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            served.Add(await sidecar.ServedByAsync("svc:8080"));
        }

        // Round robin over the subset's two endpoints: strictly alternating; never the v2 endpoint.
        Assert.DoesNotContain("c", served);
        for (var i = 1; i < served.Count; i++)
        {
            Assert.NotEqual(served[i - 1], served[i]);
        }
    }
}
