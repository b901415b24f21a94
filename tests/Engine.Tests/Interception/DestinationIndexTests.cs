using System.Net;
using Engine.Interception;

namespace Engine.Tests.Interception;

public sealed class DestinationIndexTests
{
    private const string Mesh = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          addresses: [10.77.100.10]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9080, name: http, protocol: HTTP}]
          endpoints:
          - {address: 10.77.0.1, ports: {http: 9081}, labels: {version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: databases}
        spec:
          hosts: [db.internal]
          addresses: [10.78.0.0/16]
          location: MESH_INTERNAL
          resolution: NONE
          ports: [{number: 5432, name: tcp-pg, protocol: TCP, targetPort: 6432}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: mongo}
        spec:
          hosts: [mongo.internal]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 27017, name: mongo, protocol: MONGO}]
          endpoints: [{address: 10.77.0.5}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web}
        spec:
          hosts: [web.example.com]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 80, name: http, protocol: HTTP}]
          endpoints: [{address: 10.77.0.9}]
        """;

    private static readonly DestinationIndex Index = CompiledMesh.Build(Mesh).Destinations;

    private static string? Find(string endPoint) => Index.Find(IPEndPoint.Parse(endPoint))?.ToString();

    [Fact]
    public void Vip_NamesTheService_OnItsPortsOnly()
    {
        Assert.Equal("reviews.default.svc.cluster.local:9080", Find("10.77.100.10:9080"));
        Assert.Null(Find("10.77.100.10:80"));
    }

    [Fact]
    public void EndpointAddress_NamesTheService_OnTheEndpointPort_AsTheServicePort()
    {
        var target = Index.Find(IPEndPoint.Parse("10.77.0.1:9081"));

        Assert.Equal("reviews.default.svc.cluster.local", target?.Service.Host);
        Assert.Equal(9080, target?.Port.Number);
        Assert.NotNull(target?.Http);
        Assert.False(target!.IsOpaque);
    }

    [Fact]
    public void CidrAddresses_NameTheService_ForEveryAddressInside()
    {
        Assert.Equal("db.internal:5432", Find("10.78.3.4:5432"));
        Assert.Null(Find("10.79.0.1:5432"));
    }

    [Fact]
    public void NonHttpPort_OfAServiceWithoutAddresses_IsIdentifiedByPortAlone()
    {
        var target = Index.Find(IPEndPoint.Parse("192.0.2.1:27017"));

        Assert.Equal("mongo.internal", target?.Service.Host);
        Assert.True(target!.IsOpaque);
    }

    [Fact]
    public void HttpPort_OfAServiceWithoutAddresses_IsNotClaimedByPort()
    {
        Assert.Null(Find("192.0.2.1:80"));        // routed by Host, not by port
        Assert.Equal("web.example.com:80", Find("10.77.0.9:80")); // its endpoint still names it
    }

    [Fact]
    public void ResolutionNone_ClustersConnectToTheOriginalDestination_OnTheTargetPort()
    {
        var config = CompiledMesh.Build(Mesh);

        Assert.True(config.Destinations.IsOriginalDestination(config.Clusters["outbound|5432||db.internal"], out var targetPort));
        Assert.Equal(6432, targetPort);
        Assert.False(config.Destinations.IsOriginalDestination(config.Clusters["outbound|9080||reviews.default.svc.cluster.local"], out _));
    }

    [Fact]
    public void PassthroughLoadBalancer_ClustersConnectToTheOriginalDestination_OnlyWhereThePolicyApplies()
    {
        var config = CompiledMesh.Build(Mesh + """

            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: pinned, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}}
            """);

        Assert.True(config.Destinations.IsOriginalDestination(config.Clusters["outbound|9080|pinned|reviews.default.svc.cluster.local"], out var targetPort));
        Assert.Equal(0, targetPort); // the port the client dialled
        Assert.False(config.Destinations.IsOriginalDestination(config.Clusters["outbound|9080|v1|reviews.default.svc.cluster.local"], out _));
        Assert.False(config.Destinations.IsOriginalDestination(config.Clusters["outbound|9080||reviews.default.svc.cluster.local"], out _));
    }
}
