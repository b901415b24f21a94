using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Tests.Interception;
using Engine.Upstream.LoadBalancing;

namespace Engine.Tests.Upstream;

/// <summary>
/// exportTo and DestinationRule lookup as a sidecar sees them (istio-semantics.md §2.3, §2.6,
/// §4.1): which namespaces' rules apply, in which order, and workloadSelector.
/// </summary>
public sealed class VisibilityTests
{
    private const string Service = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: shop}
        spec:
          hosts: [reviews.shop.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9080, name: http, protocol: HTTP}]
          endpoints: [{address: 10.0.0.1}, {address: 10.0.0.2}]
        """;

    private const string Cluster = "outbound|9080||reviews.shop.svc.cluster.local";

    private static string Rule(string name, string ns, string lb, string extra = "")
        => $$"""

            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: {{name}}, namespace: {{ns}}}
            spec:
              host: reviews.shop.svc.cluster.local
              trafficPolicy:
                loadBalancer: {simple: {{lb}}}
            {{extra}}
            """;

    private static RuntimeConfig Build(string yaml, string proxyNamespace = "web", params (string Key, string Value)[] labels)
        => CompiledMesh.Build(Service + yaml, options: new RouteCompileOptions
        {
            ProxyNamespace = proxyNamespace,
            ProxyLabels = labels.ToDictionary(l => l.Key, l => l.Value),
        });

    private static Type BalancerOf(RuntimeConfig config) => config.Clusters[Cluster].Balancer.GetType();

    [Fact]
    public void Lookup_TakesTheSidecarsNamespace_ThenTheServices_ThenTheRoot()
    {
        var all = Rule("mine", "web", "RANDOM") + Rule("service", "shop", "ROUND_ROBIN") + Rule("root", "istio-system", "LEAST_REQUEST");

        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(all)));
        Assert.Equal(typeof(RoundRobinBalancer), BalancerOf(Build(Rule("service", "shop", "ROUND_ROBIN") + Rule("root", "istio-system", "RANDOM"))));
        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(Rule("root", "istio-system", "RANDOM"))));
    }

    [Fact]
    public void RuleOfAnUnrelatedNamespace_NeverApplies_EvenExportedToAll()
    {
        Assert.Equal(typeof(LeastRequestBalancer), BalancerOf(Build(Rule("elsewhere", "billing", "RANDOM", "  exportTo: ['*']"))));
    }

    [Fact]
    public void PrivateRule_AppliesOnlyInItsOwnNamespace()
    {
        var rule = Rule("service", "shop", "RANDOM", "  exportTo: ['.']");

        Assert.Equal(typeof(LeastRequestBalancer), BalancerOf(Build(rule, proxyNamespace: "web")));
        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(rule, proxyNamespace: "shop")));
        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(Rule("service", "shop", "RANDOM", "  exportTo: [web]"), proxyNamespace: "web")));
    }

    [Fact]
    public void SidecarsOwnRule_AppliesWhateverItsExportTo()
    {
        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(Rule("mine", "web", "RANDOM", "  exportTo: [shop]") + Rule("service", "shop", "ROUND_ROBIN"))));
    }

    [Fact]
    public void WorkloadSelector_AppliesToTheSidecarsItSelects_InItsNamespace()
    {
        var selected = Rule("canary", "web", "RANDOM", "  workloadSelector: {matchLabels: {app: web, track: canary}}") + Rule("mine", "web", "ROUND_ROBIN");

        Assert.Equal(typeof(RandomBalancer), BalancerOf(Build(selected, "web", ("app", "web"), ("track", "canary"), ("version", "v2"))));
        Assert.Equal(typeof(RoundRobinBalancer), BalancerOf(Build(selected, "web", ("app", "web"))));

        // A selector in another namespace selects nothing here, and leaves no rule behind.
        var foreign = Rule("canary", "shop", "RANDOM", "  workloadSelector: {matchLabels: {app: web}}");
        Assert.Equal(typeof(LeastRequestBalancer), BalancerOf(Build(foreign, "web", ("app", "web"))));
    }

    [Fact]
    public void PrivateServiceEntry_DoesNotExistForOtherNamespaces()
    {
        var privateService = Service.Replace("  location:", "  exportTo: ['.']\n  location:", StringComparison.Ordinal);

        Assert.False(CompiledMesh.Build(privateService, options: new RouteCompileOptions { ProxyNamespace = "web" }).Clusters.ContainsKey(Cluster));
        Assert.True(CompiledMesh.Build(privateService, options: new RouteCompileOptions { ProxyNamespace = "shop" }).Clusters.ContainsKey(Cluster));
    }

    [Fact]
    public void PrivateVirtualService_DoesNotRouteOtherNamespaces()
    {
        const string route = """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              exportTo: ['.']
              http:
              - name: private-route
                route: [{destination: {host: reviews.shop.svc.cluster.local}}]
            """;

        Assert.Equal("private-route", RouteName(Build(route, proxyNamespace: "shop")));
        Assert.NotEqual("private-route", RouteName(Build(route, proxyNamespace: "web")));
    }

    private static string? RouteName(RuntimeConfig config)
    {
        var head = Engine.Tests.Routing.RequestHeads.Parse("GET", "reviews.shop.svc.cluster.local", "/");
        var match = config.Routes.Match(new Engine.Routing.RequestView(head, 9080, new byte[1024]));
        return match.Rule?.RouteNameFor(match.MatchIndex);
    }
}
