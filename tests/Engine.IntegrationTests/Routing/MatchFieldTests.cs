using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>Every HTTPMatchRequest field through the real proxy: the condition met goes to v1, not met falls through to v2.</summary>
public class MatchFieldTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-v1", "svc-v2");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private Task<TestSidecar> StartAsync(string match, IReadOnlyDictionary<string, string>? labels = null, string extraService = "")
        => TestSidecar.StartAsync(
            new[]
            {
                MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
                MeshYaml.Subsets("svc", "v1", "v2"),
                $$"""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: svc}
                spec:
                  hosts: [svc]
                  http:
                  - match:
                    - {{match}}
                    route:
                    - destination: {host: svc, subset: v1}
                  - route:
                    - destination: {host: svc, subset: v2}
                """,
                extraService,
            }.Where(y => y.Length > 0),
            labels: labels, http2: OverHttp2);

    private static async Task<string?> ServedAsync(TestSidecar sidecar, HttpMethod method, string authority, string path, params (string, string)[] headers)
        => (await sidecar.SendAsync(method, authority, path, headers)).ServedBy;

    [Fact]
    public async Task Method()
    {
        await using var sidecar = await StartAsync("method: {exact: POST}");

        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Post, "svc:8080", "/"));
        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
    }

    [Fact]
    public async Task Scheme()
    {
        await using var sidecar = await StartAsync("scheme: {exact: http}");
        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));

        await using var https = await StartAsync("scheme: {exact: https}");
        Assert.Equal("svc-v2", await ServedAsync(https, HttpMethod.Get, "svc:8080", "/"));
    }

    [Fact]
    public async Task Authority_IncludesThePort()
    {
        await using var sidecar = await StartAsync("authority: {exact: \"svc:8080\"}");

        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc", "/"));
    }

    [Fact]
    public async Task Authority_Prefix()
    {
        await using var sidecar = await StartAsync("authority: {prefix: svc.default}");

        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc.default.svc.cluster.local:8080", "/"));
        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
    }

    [Theory]
    [InlineData("{exact: \"1\"}", "/?v=1", true)]
    [InlineData("{exact: \"1\"}", "/?v=2", false)]
    [InlineData("{exact: \"1\"}", "/?x=1&v=1", true)]
    [InlineData("{exact: \"1\"}", "/?v=2&v=1", false)] // only the first occurrence counts
    [InlineData("{exact: \"\"}", "/?v", true)]
    [InlineData("{exact: \"\"}", "/?v=", true)]
    [InlineData("{prefix: ab}", "/?v=abc", true)]
    [InlineData("{regex: \"[0-9]+\"}", "/?v=123", true)]
    [InlineData("{regex: \"[0-9]+\"}", "/?v=a123", false)]
    [InlineData("{}", "/?v=anything", true)]
    [InlineData("{}", "/?w=1", false)]
    public async Task QueryParams(string matcher, string path, bool matches)
    {
        await using var sidecar = await StartAsync($"queryParams: {{v: {matcher}}}");

        Assert.Equal(matches ? "svc-v1" : "svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", path));
    }

    [Theory]
    [InlineData("{exact: foo}", null, true)]        // a missing header counts as "" for an inverted value match
    [InlineData("{exact: foo}", "foo", false)]
    [InlineData("{exact: foo}", "bar", true)]
    [InlineData("{}", null, true)]                  // {} means "absent"
    [InlineData("{}", "anything", false)]
    public async Task WithoutHeaders(string matcher, string? header, bool matches)
    {
        await using var sidecar = await StartAsync($"withoutHeaders: {{x-test: {matcher}}}");
        var headers = header is null ? Array.Empty<(string, string)>() : [("x-test", header)];

        Assert.Equal(matches ? "svc-v1" : "svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/", headers));
    }

    [Fact]
    public async Task Headers_Presence()
    {
        await using var sidecar = await StartAsync("headers: {x-canary: {}}");

        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/", ("x-canary", "")));
        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
    }

    [Fact]
    public async Task Headers_SeveralLinesOfOneName_AreMatchedJoined()
    {
        await using var sidecar = await StartAsync("headers: {x-multi: {exact: \"a,b\"}}");

        // Two separate lines (HttpClient would fold them into one "a, b").
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nx-multi: a\r\nx-multi: b\r\n\r\n");
        Assert.Equal("svc-v1", (await raw.ReadResponseAsync()).Headers["x-served-by"].Single());
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nx-multi: a\r\n\r\n");
        Assert.Equal("svc-v2", (await raw.ReadResponseAsync()).Headers["x-served-by"].Single());
    }

    [Fact]
    public async Task Headers_HostNeverMatches_AsInEnvoy()
    {
        await using var sidecar = await StartAsync("headers: {host: {exact: \"svc:8080\"}}");

        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
    }

    [Theory]
    [InlineData("exact", "/API/Users", "/api/users", true)]
    [InlineData("prefix", "/API", "/api/users", true)]
    [InlineData("prefix", "/api", "/other", false)]
    public async Task IgnoreUriCase(string kind, string value, string path, bool matches)
    {
        await using var sidecar = await StartAsync($"{{uri: {{{kind}: {value}}}, ignoreUriCase: true}}");

        Assert.Equal(matches ? "svc-v1" : "svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", path));
    }

    [Fact]
    public async Task UriCase_MattersWithoutIgnoreUriCase()
    {
        await using var sidecar = await StartAsync("uri: {exact: /API}");

        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/api"));
        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/API"));
    }

    [Fact]
    public async Task Port_MatchesTheDestinationPort()
    {
        var twoPorts = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: svc}
            spec:
              hosts: [svc]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - {number: 8080, name: http, protocol: HTTP}
              - {number: 9090, name: http-alt, protocol: HTTP}
              endpoints:
            """ + $"\n  - {{address: 127.0.0.1, ports: {{http: {_upstreams.PortOf("svc-v1")}, http-alt: {_upstreams.PortOf("svc-v1")}}}, labels: {{version: v1}}}}"
            + $"\n  - {{address: 127.0.0.1, ports: {{http: {_upstreams.PortOf("svc-v2")}, http-alt: {_upstreams.PortOf("svc-v2")}}}, labels: {{version: v2}}}}\n";
        await using var sidecar = await TestSidecar.StartAsync(
        [
            twoPorts,
            MeshYaml.Subsets("svc", "v1", "v2"),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - match: [{port: 9090}]
                route:
                - destination: {host: svc, subset: v1}
              - route:
                - destination: {host: svc, subset: v2}
            """,
        ], http2: OverHttp2);

        Assert.Equal("svc-v1", await ServedAsync(sidecar, HttpMethod.Get, "svc:9090", "/"));
        Assert.Equal("svc-v2", await ServedAsync(sidecar, HttpMethod.Get, "svc:8080", "/"));
    }

    [Fact]
    public async Task SourceLabels_AreTheSidecarsOwnLabels_DecidedAtConfigTime()
    {
        const string match = "sourceLabels: {app: frontend}";
        await using (var frontend = await StartAsync(match, new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" }))
        {
            Assert.Equal("svc-v1", await ServedAsync(frontend, HttpMethod.Get, "svc:8080", "/"));
        }

        await using var other = await StartAsync(match, new Dictionary<string, string> { ["app"] = "backend" });
        Assert.Equal("svc-v2", await ServedAsync(other, HttpMethod.Get, "svc:8080", "/"));
    }

    [Fact]
    public async Task Gateways_OnlyMeshAppliesToASidecar()
    {
        await using var mesh = await StartAsync("{uri: {prefix: /}, gateways: [mesh]}");
        Assert.Equal("svc-v1", await ServedAsync(mesh, HttpMethod.Get, "svc:8080", "/"));

        await using var gateway = await StartAsync("{uri: {prefix: /}, gateways: [my-gateway]}");
        Assert.Equal("svc-v2", await ServedAsync(gateway, HttpMethod.Get, "svc:8080", "/"));
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class MatchFieldTestsOverH2c : MatchFieldTests
{
    protected override bool OverHttp2 => true;
}
