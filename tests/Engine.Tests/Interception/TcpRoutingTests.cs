using System.Net;
using Engine.Interception;
using Engine.Proxy;
using Engine.Tests.Upstream;

namespace Engine.Tests.Interception;

public sealed class TcpRoutingTests
{
    private const string Mesh = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-echo}
        spec:
          hosts: [tcp-echo]
          addresses: [10.77.100.20]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - {number: 7100, name: tcp, protocol: TCP}
          - {number: 7200, name: tcp-other, protocol: TCP}
          endpoints:
          - {address: 10.77.0.1, ports: {tcp: 7001, tcp-other: 7201}, labels: {version: v1}}
          - {address: 10.77.0.1, ports: {tcp: 7002, tcp-other: 7202}, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-echo}
        spec:
          host: tcp-echo
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tcp-echo}
        spec:
          hosts: [tcp-echo]
          tcp:
          - match: [{port: 7100}]
            route:
            - {destination: {host: tcp-echo, subset: v1}, weight: 20}
            - {destination: {host: tcp-echo, subset: v2}, weight: 80}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: passthrough-db}
        spec:
          hosts: [db.internal]
          addresses: [10.78.0.0/16]
          location: MESH_INTERNAL
          resolution: NONE
          ports: [{number: 5432, name: tcp-pg, protocol: TCP, targetPort: 6432}]
        """;

    private static TcpDecision Decide(string destination, params int[] draws)
        => Decide(destination, new TransparentOptions(), draws);

    private static TcpDecision Decide(string destination, TransparentOptions options, params int[] draws)
    {
        var config = CompiledMesh.Build(Mesh);
        var original = new OriginalDestination(IPEndPoint.Parse(destination));
        return TcpRouting.Decide(config, original, config.Destinations.Find(original.EndPoint), options, new ScriptedRandom(draws));
    }

    [Theory]
    [InlineData(0, "outbound|7100|v1|tcp-echo.default.svc.cluster.local", "10.77.0.1:7001")]   // draw < 20: v1
    [InlineData(19, "outbound|7100|v1|tcp-echo.default.svc.cluster.local", "10.77.0.1:7001")]
    [InlineData(20, "outbound|7100|v2|tcp-echo.default.svc.cluster.local", "10.77.0.1:7002")]  // 20..99: v2
    [InlineData(99, "outbound|7100|v2|tcp-echo.default.svc.cluster.local", "10.77.0.1:7002")]
    public void MatchingPort_PicksAWeightedDestination(int draw, string cluster, string upstream)
    {
        var decision = Decide("10.77.100.20:7100", draw);

        Assert.Equal(cluster, decision.Cluster);
        Assert.Equal("tcp-echo.tcp.0", decision.Route);
        Assert.Equal(upstream, decision.Upstream?.ToString());
    }

    [Fact]
    public void ConsistentHashOnTheSourceIp_KeepsAClientAddressOnOneEndpoint()
    {
        var config = CompiledMesh.Build("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cache}
            spec:
              hosts: [cache]
              addresses: [10.79.0.10]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 6379, name: tcp-redis, protocol: TCP}]
              endpoints: [{address: 10.79.1.1}, {address: 10.79.1.2}, {address: 10.79.1.3}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: cache}
            spec:
              host: cache
              trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
            """);
        var original = new OriginalDestination(IPEndPoint.Parse("10.79.0.10:6379"));
        string? Upstream(string client, int port)
            => TcpRouting.Decide(config, original, config.Destinations.Find(original.EndPoint), new TransparentOptions(), new ScriptedRandom(), new IPEndPoint(IPAddress.Parse(client), port)).Upstream?.ToString();

        var used = new HashSet<string?>();
        for (var host = 1; host <= 30; host++)
        {
            var first = Upstream($"10.0.0.{host}", 40000);
            Assert.Equal(first, Upstream($"10.0.0.{host}", 40001 + host)); // another connection, same address
            used.Add(first);
        }

        Assert.Equal(3, used.Count);
    }

    private const string TlsMesh = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: payments}
        spec:
          hosts: [api.payments.test]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 443, name: tls, protocol: TLS}]
          endpoints:
          - {address: 10.81.0.1, labels: {version: v1}}
          - {address: 10.81.0.2, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: payments}
        spec:
          host: api.payments.test
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: payments}
        spec:
          hosts: [api.payments.test]
          tls:
          - match: [{sniHosts: [api.payments.test], port: 443, destinationSubnets: [10.99.0.0/16]}]
            route: [{destination: {host: api.payments.test, subset: v1}}]
          - match: [{sniHosts: [api.payments.test]}]
            route: [{destination: {host: api.payments.test, subset: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: wiki}
        spec:
          hosts: ["*.wiki.test"]
          location: MESH_EXTERNAL
          resolution: NONE
          ports: [{number: 443, name: tls, protocol: TLS}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: en-wiki}
        spec:
          hosts: ["*.en.wiki.test"]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 443, name: tls, protocol: TLS}]
          endpoints: [{address: 10.82.0.1}]
        """;

    [Theory]
    [InlineData("203.0.113.9:443", "api.payments.test", "outbound|443|v2|api.payments.test", "10.81.0.2:443", "payments.tls.1")]      // the second tls rule
    [InlineData("10.99.1.1:443", "api.payments.test", "outbound|443|v1|api.payments.test", "10.81.0.1:443", "payments.tls.0")]        // the first: subnet and port hold
    [InlineData("203.0.113.9:443", "www.wiki.test", "outbound|443||*.wiki.test", "203.0.113.9:443", "default")]                       // resolution NONE: where the app dialled
    [InlineData("203.0.113.9:443", "a.b.wiki.test", "outbound|443||*.wiki.test", "203.0.113.9:443", "default")]                       // a wildcard covers every level below
    [InlineData("203.0.113.9:443", "www.en.wiki.test", "outbound|443||*.en.wiki.test", "10.82.0.1:443", "default")]                   // the longest wildcard wins
    [InlineData("203.0.113.9:443", "unknown.test", "PassthroughCluster", "203.0.113.9:443", "allow_any")]                            // a name no service has
    [InlineData("203.0.113.9:443", "wiki.test", "PassthroughCluster", "203.0.113.9:443", "allow_any")]                               // *.wiki.test is not wiki.test
    public void TlsConnections_AreRoutedByTheirServerName(string destination, string serverName, string cluster, string upstream, string route)
    {
        var config = CompiledMesh.Build(TlsMesh);
        var original = new OriginalDestination(IPEndPoint.Parse(destination));

        // As the outbound listener does: the port names TLS services, the ClientHello picks one.
        var byPort = config.Destinations.Find(original.EndPoint);
        Assert.True(byPort?.RoutesOnServerName);
        var target = config.Destinations.Find(original.EndPoint, serverName);
        var decision = TcpRouting.Decide(config, original, target, new TransparentOptions(), new ScriptedRandom(), serverName: serverName);

        Assert.Equal(cluster, decision.Cluster);
        Assert.Equal(upstream, decision.Upstream?.ToString());
        Assert.Equal(route, decision.Route);
    }

    [Fact]
    public void TlsRules_NeedAServerName()
    {
        var config = CompiledMesh.Build(TlsMesh);
        var original = new OriginalDestination(IPEndPoint.Parse("203.0.113.9:443"));
        var target = config.Destinations.Find(original.EndPoint, "api.payments.test");

        // Without a name (no SNI, or not TLS) no tls[] rule applies: the service's default cluster.
        var decision = TcpRouting.Decide(config, original, target, new TransparentOptions(), new ScriptedRandom(0));

        Assert.Equal("outbound|443||api.payments.test", decision.Cluster);
    }

    [Fact]
    public void OtherPort_OfTheService_GoesToItsDefaultCluster()
    {
        var decision = Decide("10.77.100.20:7200", 0, 0);

        Assert.Equal("outbound|7200||tcp-echo.default.svc.cluster.local", decision.Cluster);
        Assert.Equal("default", decision.Route);
        Assert.StartsWith("10.77.0.1:720", decision.Upstream?.ToString());
    }

    [Fact]
    public void ResolutionNone_ConnectsToTheOriginalAddress_OnTheTargetPort()
    {
        var decision = Decide("10.78.9.9:5432");

        Assert.Equal("outbound|5432||db.internal", decision.Cluster);
        Assert.Equal("10.78.9.9:6432", decision.Upstream?.ToString());
    }

    [Fact]
    public void UnknownDestination_PassesThrough_OrIsBlackHoled()
    {
        var allow = Decide("192.0.2.7:9999");
        var block = Decide("192.0.2.7:9999", new TransparentOptions { OutboundPolicy = OutboundPolicy.RegistryOnly });

        Assert.Equal("PassthroughCluster", allow.Cluster);
        Assert.Equal("192.0.2.7:9999", allow.Upstream?.ToString());
        Assert.Null(block.Upstream);
        Assert.Equal("BlackHoleCluster", block.Cluster);
    }

    [Fact]
    public void TcpProxySettings_ComeFromTheFirstDestinationHostsTopLevelRule_LimitsFromThePickedCluster()
    {
        var config = CompiledMesh.Build("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: a}
            spec:
              hosts: [a.test]
              addresses: [10.91.0.1]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports: [{number: 7000, name: tcp, protocol: TCP}]
              endpoints: [{address: 10.91.1.1, labels: {version: v1}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: b}
            spec:
              hosts: [b.test]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports: [{number: 7000, name: tcp, protocol: TCP}]
              endpoints: [{address: 10.91.2.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: a}
            spec:
              host: a.test
              trafficPolicy: {connectionPool: {tcp: {idleTimeout: 2s, maxConnectionDuration: 1m}}}
              subsets:
              - name: v1
                labels: {version: v1}
                trafficPolicy: {connectionPool: {tcp: {idleTimeout: 7s}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b}
            spec:
              host: b.test
              trafficPolicy: {connectionPool: {tcp: {idleTimeout: 9s, maxConnections: 3, connectTimeout: 250ms}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: a}
            spec:
              hosts: [a.test]
              tcp:
              - route:
                - {destination: {host: a.test, subset: v1}, weight: 1}
                - {destination: {host: b.test}, weight: 99}
            """);
        var original = new OriginalDestination(IPEndPoint.Parse("10.91.0.1:7000"));
        var target = config.Destinations.Find(original.EndPoint);

        var toB = TcpRouting.Decide(config, original, target, new TransparentOptions(), new ScriptedRandom(50));
        var toA = TcpRouting.Decide(config, original, target, new TransparentOptions(), new ScriptedRandom(0));

        // Istio's tcp_proxy: idle_timeout and max_downstream_connection_duration from route[0]'s host's
        // DestinationRule, top level only (not the subset's 7s, not b's 9s) ...
        Assert.Equal(TimeSpan.FromSeconds(2), toB.Proxy?.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), toB.Proxy?.MaxConnectionDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), toA.Proxy?.IdleTimeout);

        // ... while the connection limit, connect timeout and outlier detection are the picked cluster's.
        Assert.Equal("outbound|7000||b.test", toB.Via?.Name);
        Assert.Equal(3, toB.Via?.Breaker.Thresholds.MaxConnections);
        Assert.Equal(TimeSpan.FromMilliseconds(250), toB.ConnectTimeout);
        Assert.Equal("outbound|7000|v1|a.test", toA.Via?.Name);
    }

    [Fact]
    public void WithoutATcpIdleTimeout_TheProxyWideOneApplies()
    {
        var decision = Decide("10.77.100.20:7200", 0, 0);

        Assert.NotNull(decision.Via);
        Assert.Null(decision.Proxy?.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), decision.Proxy!.IdleTimeoutOr(TimeSpan.FromMinutes(5)));
    }
}
