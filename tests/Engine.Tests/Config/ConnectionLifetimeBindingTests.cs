using Engine.Http2.Client;
using Engine.Tests.Interception;
using Engine.Upstream;

namespace Engine.Tests.Config;

/// <summary>
/// The DestinationRule fields that bound an upstream connection's life — <c>http.maxRequestsPerConnection</c>,
/// <c>tcp.maxConnectionDuration</c>, the idle timeouts and <c>http.http2KeepAlive</c> — reach each
/// cluster's pool settings with Istio's precedence (top level, port level, subset), and from there
/// the options of the endpoint's HTTP/2 connections.
/// </summary>
public sealed class ConnectionLifetimeBindingTests
{
    private const string Mesh = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: api}
        spec:
          hosts: [api.example.com]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - {number: 8080, name: grpc, protocol: GRPC}
          - {number: 9090, name: http2, protocol: HTTP2}
          endpoints:
          - {address: 127.0.0.1, labels: {version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: api}
        spec:
          host: api.example.com
          trafficPolicy:
            connectionPool:
              tcp: {maxConnectionDuration: 10m, idleTimeout: 2h}
              http: {maxRequestsPerConnection: 5, idleTimeout: 30s, http2KeepAlive: {interval: 2s, timeout: 3s}}
            portLevelSettings:
            - port: {number: 9090}
              connectionPool: {tcp: {idleTimeout: 45s}, http: {http2KeepAlive: {interval: 20s, timeout: 1s}}}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              connectionPool: {http: {http2KeepAlive: {interval: 7s, timeout: 8s}}}
        """;

    [Fact]
    public void TopLevel_BindsEveryLifetimeField_HttpIdleTimeoutBeforeTcp()
    {
        var settings = Settings("outbound|8080||api.example.com");

        Assert.Equal(5, settings.MaxRequestsPerConnection);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.MaxConnectionDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.IdleTimeout);
        Assert.Equal(new Http2KeepAliveSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), settings.Http2KeepAlive);
    }

    [Fact]
    public void PortLevelEntry_ReplacesTheTopLevelPool_KeepAliveAndAll()
    {
        var settings = Settings("outbound|9090||api.example.com");

        Assert.Equal(new Http2KeepAliveSettings(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(1)), settings.Http2KeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(45), settings.IdleTimeout); // tcp's, the port level having no http.idleTimeout
        Assert.Equal(0, settings.MaxRequestsPerConnection);
        Assert.Equal(TimeSpan.Zero, settings.MaxConnectionDuration);
    }

    [Fact]
    public void Subset_ConnectionPool_ReplacesTheTopLevelOne()
    {
        var settings = Settings("outbound|8080|v1|api.example.com");

        Assert.Equal(new Http2KeepAliveSettings(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(8)), settings.Http2KeepAlive);
        Assert.Equal(0, settings.MaxRequestsPerConnection);
    }

    [Fact]
    public void WithoutTheFields_ThereIsNoKeepAlive_AndIstiosOneHourIdleTimeout()
    {
        var config = CompiledMesh.Build(Mesh[..Mesh.IndexOf("---", StringComparison.Ordinal)]);
        var settings = config.Clusters["outbound|8080||api.example.com"].Settings;

        Assert.Null(settings.Http2KeepAlive);
        Assert.Equal((0, TimeSpan.Zero, TimeSpan.FromHours(1)), (settings.MaxRequestsPerConnection, settings.MaxConnectionDuration, settings.IdleTimeout));
    }

    [Fact]
    public void EndpointHttp2Pool_GivesItsConnectionsTheClustersLifetime()
    {
        var config = CompiledMesh.Build(Mesh);
        var pool = config.Clusters["outbound|8080||api.example.com"].Endpoints.Single().Pool.Http2;

        var expected = new Http2ClientLifetime
        {
            MaxStreams = 5,
            MaxAge = TimeSpan.FromMinutes(10),
            IdleTimeout = TimeSpan.FromSeconds(30),
            KeepAliveInterval = TimeSpan.FromSeconds(2),
            KeepAliveTimeout = TimeSpan.FromSeconds(3),
        };
        Assert.Equal(expected, pool.SessionOptions.ClientLifetime);
    }

    private static UpstreamPoolSettings Settings(string cluster) => CompiledMesh.Build(Mesh).Clusters[cluster].Settings;
}
