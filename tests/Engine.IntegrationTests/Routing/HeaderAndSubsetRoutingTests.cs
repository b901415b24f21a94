using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>Header matches, subsets, first-match-wins and 404/503 answers through the real proxy.</summary>
public class HeaderAndSubsetRoutingTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync()
        => _upstreams = await Upstreams.StartAsync("reviews-v1", "reviews-v2", "reviews-v3");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private string[] Mesh(string virtualService) =>
    [
        MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1"), (_upstreams.PortOf("reviews-v2"), "v2"), (_upstreams.PortOf("reviews-v3"), "v3")),
        MeshYaml.Subsets("reviews", "v1", "v2", "v3"),
        virtualService,
    ];

    private const string JasonV2V3 = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - match:
            - headers:
                end-user: {exact: jason}
            route:
            - destination: {host: reviews, subset: v2}
          - route:
            - destination: {host: reviews, subset: v3}
        """;

    [Fact]
    public async Task HeaderMatch_Jason_GoesToV2_EveryoneElseToV3()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(JasonV2V3), http2: OverHttp2);

        Assert.Equal("reviews-v2", await sidecar.ServedByAsync("reviews:9080", "/", ("end-user", "jason")));
        Assert.Equal("reviews-v3", await sidecar.ServedByAsync("reviews:9080", "/", ("end-user", "alice")));
        Assert.Equal("reviews-v3", await sidecar.ServedByAsync("reviews:9080"));
    }

    [Fact]
    public async Task HeaderMatch_NameIsCaseInsensitive_ValueIsNot()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(JasonV2V3), http2: OverHttp2);

        Assert.Equal("reviews-v2", await sidecar.ServedByAsync("reviews:9080", "/", ("End-User", "jason")));
        Assert.Equal("reviews-v3", await sidecar.ServedByAsync("reviews:9080", "/", ("end-user", "Jason")));
    }

    [Theory]
    [InlineData("reviews")]
    [InlineData("reviews:9080")]
    [InlineData("reviews.default")]
    [InlineData("reviews.default:9080")]
    [InlineData("reviews.default.svc")]
    [InlineData("reviews.default.svc.cluster.local")]
    [InlineData("reviews.default.svc.cluster.local:9080")]
    [InlineData("REVIEWS.default.svc.cluster.local")]
    public async Task Authority_EveryIstioAliasOfTheService_IsRouted(string authority)
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(JasonV2V3), http2: OverHttp2);

        Assert.Equal("reviews-v2", await sidecar.ServedByAsync(authority, "/", ("end-user", "jason")));
    }

    [Fact]
    public async Task Authority_UnknownHost_Gets404()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(JasonV2V3), http2: OverHttp2);

        using var response = await sidecar.GetAsync("ratings:9080");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task NoRuleMatches_Gets404WithoutReachingAnUpstream()
    {
        const string onlyJason = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers:
                    end-user: {exact: jason}
                route:
                - destination: {host: reviews, subset: v2}
            """;
        await using var sidecar = await TestSidecar.StartAsync(Mesh(onlyJason), http2: OverHttp2);

        using var miss = await sidecar.GetAsync("reviews:9080");
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        Assert.False(miss.Headers.Contains("x-served-by"));
        Assert.Equal("reviews-v2", await sidecar.ServedByAsync("reviews:9080", "/", ("end-user", "jason")));
    }

    [Fact]
    public async Task UnknownSubset_Gets503()
    {
        const string v9 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v9}
            """;
        await using var sidecar = await TestSidecar.StartAsync(Mesh(v9), http2: OverHttp2);

        using var response = await sidecar.GetAsync("reviews:9080");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(sidecar.Load.Diagnostics, d => d.Message.Contains("v9", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exact", "/api/v1", "/api/v1", true)]
    [InlineData("exact", "/api/v1", "/api/v1?x=1", true)]
    [InlineData("exact", "/api/v1", "/api/v1/", false)]
    [InlineData("prefix", "/api", "/api/v1", true)]
    [InlineData("prefix", "/api", "/apiary", true)] // a string prefix, not a path segment (Envoy)
    [InlineData("prefix", "/api", "/other", false)]
    [InlineData("regex", "/users/[0-9]+", "/users/42", true)]
    [InlineData("regex", "/users/[0-9]+", "/users/42/x", false)] // full match only
    [InlineData("regex", "/users/[0-9]+", "/users/42?q=1", true)] // query not part of the path
    public async Task UriMatch_ExactPrefixRegex(string kind, string value, string path, bool routedToV1)
    {
        var vs = $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - uri: {{{kind}}: "{{value}}"}
                route:
                - destination: {host: reviews, subset: v1}
              - route:
                - destination: {host: reviews, subset: v3}
            """;
        await using var sidecar = await TestSidecar.StartAsync(Mesh(vs), http2: OverHttp2);

        Assert.Equal(routedToV1 ? "reviews-v1" : "reviews-v3", await sidecar.ServedByAsync("reviews", path));
    }

    [Theory]
    [InlineData("prefix", "ja", "jason", true)]
    [InlineData("prefix", "ja", "bob", false)]
    [InlineData("regex", "j.*n", "jason", true)]
    [InlineData("regex", "j.*n", "jasonx", false)]
    public async Task HeaderMatch_PrefixAndRegex(string kind, string value, string header, bool routedToV2)
    {
        var vs = $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers:
                    end-user: {{{kind}}: "{{value}}"}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: reviews, subset: v3}
            """;
        await using var sidecar = await TestSidecar.StartAsync(Mesh(vs), http2: OverHttp2);

        Assert.Equal(routedToV2 ? "reviews-v2" : "reviews-v3", await sidecar.ServedByAsync("reviews", "/", ("end-user", header)));
    }

    [Fact]
    public async Task MatchEntries_AreOred_ConditionsWithinAnEntryAreAnded()
    {
        const string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers: {x-a: {exact: "1"}, x-b: {exact: "1"}}
                - uri: {prefix: /both}
                route:
                - destination: {host: reviews, subset: v1}
              - route:
                - destination: {host: reviews, subset: v3}
            """;
        await using var sidecar = await TestSidecar.StartAsync(Mesh(vs), http2: OverHttp2);

        Assert.Equal("reviews-v1", await sidecar.ServedByAsync("reviews", "/", ("x-a", "1"), ("x-b", "1")));
        Assert.Equal("reviews-v3", await sidecar.ServedByAsync("reviews", "/", ("x-a", "1")));
        Assert.Equal("reviews-v1", await sidecar.ServedByAsync("reviews", "/both/x"));
    }

    [Fact]
    public async Task AbsoluteFormRequest_AsAForwardProxyClientSends_IsRoutedByItsAuthority()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(JasonV2V3), http2: OverHttp2);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{sidecar.Endpoint}"), UseProxy = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/1");
        request.Headers.Add("end-user", "jason");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("reviews-v2", response.Headers.GetValues("x-served-by").Single());
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"path\":\"/reviews/1\"", body, StringComparison.Ordinal);
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class HeaderAndSubsetRoutingTestsOverH2c : HeaderAndSubsetRoutingTests
{
    protected override bool OverHttp2 => true;
}
