using Engine.Upstream;

namespace Engine.Tests.Upstream.Dns;

/// <summary>ServiceEntries with <c>resolution: DNS</c> / <c>DNS_ROUND_ROBIN</c> compiled into clusters (istio-semantics.md §5.2).</summary>
public sealed class DnsClusterTests
{
    private const string EgressYaml = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: egress}
        spec:
          hosts: [api.example.test]
          location: MESH_EXTERNAL
          resolution: RESOLUTION
          ports:
          - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
        """;

    private static string Egress(string resolution) => EgressYaml.Replace("RESOLUTION", resolution, StringComparison.Ordinal);

    private static string[] Addresses(Cluster cluster) => cluster.Endpoints.Select(e => e.Address.ToString()).ToArray();

    [Fact]
    public void DnsWithoutEndpoints_ResolvesTheHost_OneEndpointPerAddress_AtTheTargetPort()
    {
        using var mesh = new DnsMesh(Egress("DNS"), new TableResolver().Set("api.example.test", "10.0.0.1", "10.0.0.2"));

        Assert.Equal(["10.0.0.1:8080", "10.0.0.2:8080"], Addresses(mesh.Cluster("outbound|80||api.example.test")));
    }

    [Fact]
    public void DnsRoundRobinWithoutEndpoints_UsesTheFirstAddressOnly()
    {
        using var mesh = new DnsMesh(Egress("DNS_ROUND_ROBIN"), new TableResolver().Set("api.example.test", "10.0.0.7", "10.0.0.1"));

        Assert.Equal(["10.0.0.7:8080"], Addresses(mesh.Cluster("outbound|80||api.example.test")));
    }

    [Fact]
    public void DnsHostThatDoesNotResolve_HasNoEndpoints_AndAWarningWithFileAndLine()
    {
        using var mesh = new DnsMesh(Egress("DNS"), new TableResolver());

        Assert.Empty(mesh.Cluster("outbound|80||api.example.test").Endpoints);
        var warning = Assert.Single(mesh.Diagnostics, d => d.Message.Contains("api.example.test", StringComparison.Ordinal));
        Assert.True(warning.Line > 0);
        Assert.Contains("hosts[0]", warning.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_AfterARefresh_FollowsTheNewAddresses_AndKeepsTheEndpointsThatStayed()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1", "10.0.0.2");
        using var mesh = new DnsMesh(Egress("DNS"), resolver);
        var before = mesh.Cluster("outbound|80||api.example.test").Endpoints;
        before[0].RequestStarted(); // in flight on 10.0.0.1 across the change

        resolver.Set("api.example.test", "10.0.0.1", "10.0.0.3");
        Assert.True(await mesh.Dns.Static.RefreshAsync(CancellationToken.None));
        var after = mesh.Rebuild().Clusters["outbound|80||api.example.test"].Endpoints;

        Assert.Equal(["10.0.0.1:8080", "10.0.0.3:8080"], after.Select(e => e.Address.ToString()).ToArray());
        Assert.Same(before[0], after[0]); // same endpoint: its least-request count and pool carry over
        Assert.Equal(1, after[0].ActiveRequests);
        Assert.Same(before[0].Pool, after[0].Pool);
        Assert.NotSame(before[1].Pool, after[1].Pool);
    }

    [Fact]
    public void DnsEndpointNames_AreResolved_AndRefreshedToo()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db}
            spec:
              hosts: [db.example.test]
              resolution: DNS
              ports:
              - {number: 5432, name: tcp, protocol: TCP}
              endpoints:
              - address: primary.db.test
              - address: 10.0.0.9
            """;
        using var mesh = new DnsMesh(yaml, new TableResolver().Set("primary.db.test", "10.0.0.5"));

        Assert.Equal(["10.0.0.5:5432", "10.0.0.9:5432"], Addresses(mesh.Cluster("outbound|5432||db.example.test")));
        Assert.Equal("primary.db.test", Assert.Single(mesh.Dns.Static.Answers).Key.Name);
    }

    [Fact]
    public void StaticServices_LookNothingUp()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews.example.test]
              resolution: STATIC
              ports:
              - {number: 80, name: http, protocol: HTTP}
              endpoints:
              - address: 10.0.0.1
            """;
        var resolver = new TableResolver();
        using var mesh = new DnsMesh(yaml, resolver);

        Assert.Equal(0, resolver.Lookups);
        Assert.Empty(mesh.Dns.Static.Answers);
    }
}
