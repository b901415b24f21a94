using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>How several VirtualServices combine on a sidecar: oldest wins per host; delegation merges; catch-all truncation.</summary>
public sealed class VirtualServiceSetTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-v1", "svc-v2", "pp", "pp-v1", "reviews");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private string Service(string host, string upstream) => MeshYaml.Service(host, 9080, (_upstreams.PortOf(upstream), "v1"));

    private static string VirtualService(string name, string created, string subset) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{name}}, creationTimestamp: "{{created}}"}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {host: svc, subset: {{subset}}}
        """;

    [Fact]
    public async Task TwoVirtualServicesForOneHost_TheOldestWins_AndTheOtherIsReported()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 9080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
            MeshYaml.Subsets("svc", "v1", "v2"),
            VirtualService("a-newer", "2024-05-01T00:00:00Z", "v1"),
            VirtualService("z-older", "2023-01-01T00:00:00Z", "v2"),
        ]);

        Assert.Equal("svc-v2", await sidecar.ServedByAsync("svc:9080"));
        Assert.Contains(sidecar.Load.Diagnostics, d => d.Name == "a-newer" && d.Message.Contains("default/z-older", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delegation_MergesTheDelegatesRules_UnderTheRootsMatches()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("productpage.nsa.svc.cluster.local", "pp"),
            Service("productpage-v1.nsa.svc.cluster.local", "pp-v1"),
            Service("reviews.nsb.svc.cluster.local", "reviews"),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: bookinfo}
            spec:
              hosts: [bookinfo.com]
              http:
              - match: [{uri: {prefix: /productpage}}]
                delegate: {name: productpage, namespace: nsa}
              - match: [{uri: {prefix: /reviews}}]
                delegate: {name: reviews, namespace: nsb}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: productpage, namespace: nsa}
            spec:
              http:
              - match: [{uri: {prefix: /productpage/v1/}}]
                route:
                - destination: {host: productpage-v1}
              - route:
                - destination: {host: productpage}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: nsb}
            spec:
              http:
              - route:
                - destination: {host: reviews}
            """,
        ]);

        Assert.Equal("pp-v1", await sidecar.ServedByAsync("bookinfo.com", "/productpage/v1/x"));
        Assert.Equal("pp", await sidecar.ServedByAsync("bookinfo.com", "/productpage"));
        Assert.Equal("reviews", await sidecar.ServedByAsync("bookinfo.com", "/reviews/1"));
        Assert.Equal("status 404", await sidecar.ServedByAsync("bookinfo.com", "/other"));
    }

    [Fact]
    public async Task Delegation_ALeafMatchThatConflictsWithTheRoot_IsDropped()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("pp.default.svc.cluster.local", "pp"),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: root}
            spec:
              hosts: [site.com]
              http:
              - match: [{uri: {prefix: /shop}}]
                delegate: {name: leaf}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: leaf}
            spec:
              http:
              - match: [{uri: {prefix: /admin}}]
                route:
                - destination: {host: pp}
              - match: [{uri: {prefix: /shop/cart}}]
                route:
                - destination: {host: pp}
            """,
        ]);

        Assert.Equal("status 404", await sidecar.ServedByAsync("site.com", "/admin"));
        Assert.Equal("pp", await sidecar.ServedByAsync("site.com", "/shop/cart"));
        Assert.Contains(sidecar.Load.Diagnostics, d => d.Message.Contains("conflicts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RulesAfterACatchAll_AreUnreachable_AndReported()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 9080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
            MeshYaml.Subsets("svc", "v1", "v2"),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc, subset: v1}
              - match: [{headers: {x: {exact: "1"}}}]
                route:
                - destination: {host: svc, subset: v2}
            """,
        ]);

        Assert.Equal("svc-v1", await sidecar.ServedByAsync("svc:9080", "/", ("x", "1")));
        Assert.Contains(sidecar.Load.Diagnostics, d => d.Message.Contains("unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AVirtualServiceForAGatewayOnly_LeavesTheServicesDefaultRoute()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 9080, (_upstreams.PortOf("svc-v1"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              gateways: [ingress]
              http:
              - directResponse: {status: 418}
            """,
        ]);

        Assert.Equal("svc-v1", await sidecar.ServedByAsync("svc:9080"));
    }

    [Fact]
    public async Task WildcardHosts_RouteAnySubdomain()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 9080, (_upstreams.PortOf("svc-v1"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: wildcard}
            spec:
              hosts: ["*.example.com"]
              http:
              - route:
                - destination: {host: svc}
            """,
        ]);

        Assert.Equal("svc-v1", await sidecar.ServedByAsync("api.example.com"));
        Assert.Equal("svc-v1", await sidecar.ServedByAsync("a.b.example.com:8080"));
        using var bare = await sidecar.GetAsync("example.com");
        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
    }
}
