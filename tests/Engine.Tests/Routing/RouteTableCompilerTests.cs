using Engine.Config;
using Engine.Proxy;
using Engine.Routing;
using Engine.Routing.Explain;
using Engine.Tests.Interception;

namespace Engine.Tests.Routing;

/// <summary>
/// What the compiled route table answers for VirtualService hosts that are wildcards
/// (istio-semantics.md §2.3, §2.4) and for <c>match.port</c>, a config-time filter (§3.1).
/// </summary>
public sealed class RouteTableCompilerTests
{
    // Two HTTP ports and a VIP, so every domain Istio generates for the service is exercised.
    private const string Api = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: api}
        spec:
          hosts: [api.example.com]
          addresses: [240.240.0.10]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports:
          - {number: 80, name: http, protocol: HTTP}
          - {number: 8080, name: http-alt, protocol: HTTP}
          endpoints:
          - {address: 127.0.0.1}
        """;

    private static string Vs(string name, string host, string http, string created = "2024-01-01T00:00:00Z") => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{name}}, creationTimestamp: "{{created}}"}
        spec:
          hosts: ["{{host}}"]
          http:
        {{http}}
        """;

    private const string Teapot = "  - directResponse: {status: 418}";

    private static RuntimeConfig Build(params string[] documents) => CompiledMesh.Build(string.Join("---\n", documents.Select(d => d.EndsWith('\n') ? d : d + "\n")));

    private static RouteResult Match(RuntimeConfig config, string authority, int port, string path = "/")
        => config.Routes.Match(new RequestView(RequestHeads.Parse("GET", authority, path), port));

    /// <summary>Which virtual host and rule answered: "vhost rule", "vhost NR", or "no virtual host".</summary>
    private static string Routed(RuntimeConfig config, string authority, int port, string path = "/")
    {
        var result = Match(config, authority, port, path);
        return result.Outcome switch
        {
            RouteOutcome.Matched => $"{result.VirtualHost!.Name} {result.Rule!.Name}",
            RouteOutcome.NoRoute => $"{result.VirtualHost!.Name} NR",
            _ => "no virtual host",
        };
    }

    [Fact]
    public void WildcardVirtualService_RoutesTheRegisteredServiceItMatches_OnEveryDomainOfIt()
    {
        var config = Build(Api, Vs("wild", "*.example.com", Teapot));

        Assert.Equal("default/wild wild.0", Routed(config, "api.example.com", 80));
        Assert.Equal("default/wild wild.0", Routed(config, "API.Example.com:8080", 8080));
        Assert.Equal("default/wild wild.0", Routed(config, "240.240.0.10", 80));
    }

    [Fact]
    public void ExactVirtualService_BeatsAWildcardOne_EvenWhenNewer()
    {
        var config = Build(Api,
            Vs("wild", "*.example.com", Teapot, created: "2023-01-01T00:00:00Z"),
            Vs("exact", "api.example.com", Teapot, created: "2025-01-01T00:00:00Z"));

        Assert.Equal("default/exact exact.0", Routed(config, "api.example.com", 80));
        Assert.Equal("default/exact exact.0", Routed(config, "240.240.0.10", 80));
    }

    [Fact]
    public void MostSpecificWildcard_Wins_AndTheOldestVirtualServiceWinsAWildcardSeveralDeclare()
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var config = CompiledMesh.Build(string.Join("---\n",
            Api.Replace("api.example.com", "api.eu.example.com", StringComparison.Ordinal) + "\n",
            Vs("broad", "*.example.com", Teapot, created: "2023-01-01T00:00:00Z") + "\n",
            Vs("eu-old", "*.eu.example.com", Teapot, created: "2024-01-01T00:00:00Z") + "\n",
            Vs("eu-new", "*.eu.example.com", Teapot, created: "2025-01-01T00:00:00Z") + "\n"), diagnostics);

        Assert.Equal("default/eu-old eu-old.0", Routed(config, "api.eu.example.com", 80));
        Assert.Contains(diagnostics, d => d.Name == "eu-new" && d.Message.Contains("default/eu-old", StringComparison.Ordinal));
    }

    [Fact]
    public void WildcardMatchingNoService_RoutesNamesByTheWildcard_AsBefore()
    {
        var config = Build(Api, Vs("other", "*.other.test", Teapot));

        Assert.Equal("default/other other.0", Routed(config, "x.other.test", 80));
        Assert.Equal("default/other other.0", Routed(config, "a.b.other.test", 80));
        Assert.Equal("no virtual host", Routed(config, "other.test", 80));
        Assert.Equal("api.example.com default", Routed(config, "api.example.com", 80));
    }

    [Fact]
    public void WildcardMatchingAService_IsNoDomainOfItsOwn_AsInIstio()
    {
        // separateVSHostsAndServices keeps a wildcard as a domain only when it found no service.
        var config = Build(Api, Vs("wild", "*.example.com", Teapot));

        Assert.Equal("no virtual host", Routed(config, "unknown.example.com", 80));
    }

    [Fact]
    public void PortMatch_OnAPortNoRuleIsFor_TheServiceKeepsItsDefaultRoute()
    {
        var config = Build(Api, Vs("api", "api.example.com", """
              - match: [{port: 80, uri: {prefix: /a}}]
                directResponse: {status: 418}
            """));

        Assert.Equal("default/api api.0", Routed(config, "api.example.com", 80, "/a"));
        Assert.Equal("default/api NR", Routed(config, "api.example.com", 80, "/b"));
        Assert.Equal("api.example.com default", Routed(config, "api.example.com:8080", 8080, "/a"));
        Assert.Equal("api.example.com default", Routed(config, "240.240.0.10", 8080, "/b"));
    }

    [Fact]
    public void PortMatch_OtherPorts_GetTheRulesWithoutAPort_InOrder()
    {
        var config = Build(Api, Vs("api", "api.example.com", """
              - match: [{port: 80, uri: {prefix: /a}}, {uri: {prefix: /c}}]
                directResponse: {status: 418}
              - match: [{port: 8080, uri: {prefix: /a}}]
                directResponse: {status: 419}
              - directResponse: {status: 420}
            """));

        Assert.Equal("default/api api.0", Routed(config, "api.example.com", 80, "/a"));
        Assert.Equal("default/api api.2", Routed(config, "api.example.com", 80, "/b"));
        Assert.Equal("default/api api.0", Routed(config, "api.example.com", 8080, "/c"));
        Assert.Equal("default/api api.1", Routed(config, "api.example.com", 8080, "/a"));
        Assert.Equal("default/api api.0", Routed(config, "api.example.com", 9000, "/c"));
        Assert.Equal("default/api api.2", Routed(config, "api.example.com", 9000, "/a"));
    }

    [Fact]
    public void PortOnlyMatch_IsACatchAllOnItsPort_AndTheRulesAfterItAreReportedForThatPort()
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var config = CompiledMesh.Build(Api + "\n---\n" + Vs("api", "api.example.com", """
              - match: [{port: 80}]
                directResponse: {status: 418}
              - match: [{headers: {x: {exact: "1"}}}]
                directResponse: {status: 419}
            """) + "\n", diagnostics);

        Assert.Equal("default/api api.0", Routed(config, "api.example.com", 80, "/"));
        Assert.Equal("default/api NR", Routed(config, "api.example.com", 8080, "/"));
        var warning = Assert.Single(diagnostics);
        Assert.Contains("unreachable on port 80", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PortMatch_NoRuleForThePort_OnAHostNoServiceHas_LeavesNoVirtualHost()
    {
        var config = Build(Api, Vs("site", "site.test", """
              - match: [{port: 80}]
                directResponse: {status: 418}
            """));

        Assert.Equal("default/site site.0", Routed(config, "site.test", 80));
        Assert.Equal("no virtual host", Routed(config, "site.test:8080", 8080));
    }

    [Fact]
    public void PortMatch_OnAWildcardVirtualService_FallsBackToTheServicesDefaultRoute()
    {
        var config = Build(Api, Vs("wild", "*.example.com", """
              - match: [{port: 80}]
                directResponse: {status: 418}
            """));

        Assert.Equal("default/wild wild.0", Routed(config, "api.example.com", 80));
        Assert.Equal("api.example.com default", Routed(config, "api.example.com:8080", 8080));
    }

    [Fact]
    public void Explain_OnAPortNoRuleIsFor_SaysTheDefaultRouteApplies()
    {
        var config = Build(Api, Vs("api", "api.example.com", """
              - match: [{port: 80}]
                directResponse: {status: 418}
            """));

        var (routed, lines) = RouteExplainer.Explain(config, RequestHeads.Parse("GET", "api.example.com:8080", "/"), 8080);

        Assert.True(routed, string.Join("\n", lines));
        Assert.Contains(lines, l => l.Contains("no rule of default/api is for this port", StringComparison.Ordinal) && l.Contains("default route", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("outbound|8080||api.example.com", StringComparison.Ordinal));

        var (routed80, lines80) = RouteExplainer.Explain(config, RequestHeads.Parse("GET", "api.example.com", "/"), 80);
        Assert.True(routed80);
        Assert.Contains(lines80, l => l.Contains("direct response 418", StringComparison.Ordinal));
    }
}
