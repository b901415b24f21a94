using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Engine.Config.Model;
using Engine.Interception;
using Engine.Proxy;
using Engine.Tests.Upstream;
using Engine.Upstream;

namespace Engine.Tests.Interception;

/// <summary>
/// DestinationRule policies on the L4 path, with the clusters the sidecar compiles and real
/// loopback sockets: app ⇄ [<see cref="L4Forwarder"/>] ⇄ echo servers. Routing is by
/// <see cref="TcpRouting"/> as the outbound listener does it; only the iptables step (the
/// original destination) is given instead of read.
/// </summary>
public sealed class L4ForwarderTests
{
    private const string Vip = "10.90.0.1";

    [Fact]
    public async Task MaxConnections_ClosesASecondConnection_WhileTheFirstIsOpen_AndAcceptsOneAfter()
    {
        await using var echo = await L4Rig.EchoAsync();
        await using var rig = new L4Rig(Mesh([echo.Port], "connectionPool: {tcp: {maxConnections: 1}}"));

        var first = await rig.ConnectAsync(Vip);
        Assert.Equal("one", await first.EchoAsync("one"));

        var second = await rig.ConnectAsync(Vip);
        await second.Forwarding.WaitAsync(TimeSpan.FromSeconds(30)); // refused without connecting upstream
        Assert.True(await second.IsClosedAsync());
        Assert.Equal(1, echo.Accepted);
        Assert.Contains(rig.Log, l => l.Contains("(UO)", StringComparison.Ordinal));
        Assert.Equal(1, rig.Cluster(Vip).Breaker.ConnectionOverflows);

        await first.CloseAsync(); // both sides finish: the slot is free again
        var third = await rig.ConnectAsync(Vip);
        Assert.Equal("three", await third.EchoAsync("three"));
        Assert.Equal(2, echo.Accepted);
        Assert.Equal(1, rig.Cluster(Vip).Breaker.Connections);
    }

    [Theory]
    [InlineData("outlierDetection: {consecutive5xxErrors: 2, baseEjectionTime: 5m}", 2)]
    [InlineData("outlierDetection: {consecutiveGatewayErrors: 2, consecutive5xxErrors: 0, baseEjectionTime: 5m}", 2)]
    [InlineData("outlierDetection: {splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 1, baseEjectionTime: 5m}", 1)]
    public async Task RefusingEndpoint_IsEjected_AndLaterConnectionsGoToTheHealthyOne(string policy, int expectedFailures)
    {
        await using var echo = await L4Rig.EchoAsync();
        using var dead = L4Rig.RefusingPort();
        await using var rig = new L4Rig(Mesh([dead.Port, echo.Port], "loadBalancer: {simple: ROUND_ROBIN}\n    " + policy));

        var failures = 0;
        for (var i = 0; i < 8; i++)
        {
            var connection = await rig.ConnectAsync(Vip);
            failures += await connection.EchoAsync("ping" + i) == "ping" + i ? 0 : 1;
            await connection.CloseAsync();
        }

        // Round robin alternates: without outlier detection 4 of the 8 go to the refusing endpoint.
        Assert.Equal(expectedFailures, failures);
        Assert.Equal(1, rig.Cluster(Vip).Outlier!.Ejections);
        Assert.Equal([$"127.0.0.1:{echo.Port}"], rig.Cluster(Vip).Healthy.Select(e => e.Address.ToString()));
    }

    [Fact]
    public async Task ASuccessfulConnect_ResetsTheEndpointsConsecutiveFailures()
    {
        await using var echo = await L4Rig.EchoAsync();
        using var flaky = L4Rig.RefusingPort();
        await using var rig = new L4Rig(Mesh([flaky.Port, echo.Port], "outlierDetection: {consecutive5xxErrors: 2, baseEjectionTime: 5m}"));
        var endpoint = rig.Cluster(Vip).Endpoints.Single(e => e.Address.Port == flaky.Port);

        await (await rig.ConnectAsync(Vip, endpoint)).CloseAsync();
        Assert.Equal(1, endpoint.Health!.Consecutive5xx);

        flaky.Listen(); // it comes back: for an L4 connection, connecting is the whole success
        await (await rig.ConnectAsync(Vip, endpoint)).ResetAsync(); // the forwarder connects before it reads the client
        Assert.Contains(rig.Log, l => l.Contains("ClientReset", StringComparison.Ordinal));
        Assert.Equal(0, endpoint.Health.Consecutive5xx);
    }

    [Fact]
    public async Task DestinationRuleIdleTimeout_ClosesAnIdleConnection_TheProxyDefaultDoesNot()
    {
        await using var echo = await L4Rig.EchoAsync();
        var time = new ManualTimeProvider();
        await using var rig = new L4Rig(Mesh([echo.Port], "connectionPool: {tcp: {idleTimeout: 1s}}") + OtherService(echo.Port), time);

        var governed = await rig.ConnectAsync(Vip);
        var ungoverned = await rig.ConnectAsync(OtherVip);
        Assert.Equal("a", await governed.EchoAsync("a"));
        Assert.Equal("b", await ungoverned.EchoAsync("b"));

        time.Advance(TimeSpan.FromSeconds(2));

        await governed.Forwarding.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await governed.IsClosedAsync());
        Assert.Contains(rig.Log, l => l.Contains("IdleTimeout", StringComparison.Ordinal));
        Assert.Equal("still here", await ungoverned.EchoAsync("still here")); // the proxy-wide 1 h applies to it
        Assert.False(ungoverned.Forwarding.IsCompleted);
    }

    [Fact]
    public async Task MaxConnectionDuration_ClosesABusyConnection()
    {
        await using var echo = await L4Rig.EchoAsync();
        var time = new ManualTimeProvider();
        await using var rig = new L4Rig(Mesh([echo.Port], "connectionPool: {tcp: {maxConnectionDuration: 10s}}"), time);

        var connection = await rig.ConnectAsync(Vip);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("busy", await connection.EchoAsync("busy")); // traffic keeps it from idling, not from ageing
            time.Advance(TimeSpan.FromSeconds(3));
        }

        await connection.Forwarding.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await connection.IsClosedAsync());
        Assert.Contains(rig.Log, l => l.Contains("MaxDuration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("V1")]
    [InlineData("V2")]
    public async Task ProxyProtocol_TheUpstreamReadsTheClientAndTheDestinationItAskedFor_BeforeTheClientsBytes(string version)
    {
        await using var echo = await L4Rig.EchoAsync();
        await using var rig = new L4Rig(Mesh([echo.Port], $"proxyProtocol: {{version: {version}}}"));

        var connection = await rig.ConnectAsync(Vip);
        var header = ProxyProtocolHeader.For(Enum.Parse<ProxyProtocolVersion>(version), connection.AppEndPoint, new IPEndPoint(IPAddress.Parse(Vip), 7000));
        var echoed = await connection.ExchangeAsync("hello"u8.ToArray(), header.Length + 5);

        // The echo server sends back everything it read: the header the sidecar wrote, then the app's bytes.
        Assert.Equal([.. header, .. "hello"u8], echoed);
        if (version == "V1")
        {
            Assert.Equal($"PROXY TCP4 127.0.0.1 {Vip} {connection.AppEndPoint.Port} 7000\r\n", System.Text.Encoding.ASCII.GetString(header));
        }
    }

    [Fact]
    public async Task Tunnel_AsksTheEndpointToConnect_ThenCarriesTheBytes_TheFirstOnesOfTheServerIncluded()
    {
        var heads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var proxy = ConnectProxy.Start("HTTP/1.1 200 Connection established\r\n\r\n", heads, banner: "220 ready ");
        await using var rig = new L4Rig(Mesh([proxy.Port], "tunnel: {protocol: CONNECT, targetHost: backend.example, targetPort: 8443}"));

        var connection = await rig.ConnectAsync(Vip);
        var echoed = System.Text.Encoding.ASCII.GetString(await connection.ExchangeAsync("hello"u8.ToArray(), "220 ready hello".Length));

        Assert.Equal("220 ready hello", echoed); // nothing after the answer's head is lost, nothing of it leaks
        Assert.Equal("CONNECT backend.example:8443 HTTP/1.1\r\nHost: backend.example:8443\r\n\r\n", Assert.Single(heads));
    }

    [Fact]
    public async Task PostTunnel_CarriesTheBytesAsAChunkedBodyBothWays_AndTheAnswersEndAsAFin()
    {
        // The proxy answers 200 with a chunked body and echoes the request's body bytes into it: the
        // app's chunks come back as the answer's chunks, and the last one ends the answer.
        var heads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var proxy = ConnectProxy.Start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", heads);
        await using var rig = new L4Rig(Mesh([proxy.Port], "tunnel: {protocol: POST, targetHost: backend.example, targetPort: 8443}"));

        var connection = await rig.ConnectAsync(Vip);
        Assert.Equal("hello", await connection.EchoAsync("hello"));
        Assert.Equal(", mesh", await connection.EchoAsync(", mesh"));
        await connection.CloseAsync(); // the app's FIN: the last chunk goes up, comes back, and ends the answer

        await connection.Forwarding.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("POST / HTTP/1.1\r\nHost: backend.example:8443\r\nTransfer-Encoding: chunked\r\n\r\n", Assert.Single(heads));
        Assert.Contains(rig.Log, l => l.Contains(": Closed,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tunnel_RefusedByTheEndpoint_ClosesTheAppsConnection_AndSaysWhy()
    {
        await using var proxy = ConnectProxy.Start("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", new());
        await using var rig = new L4Rig(Mesh([proxy.Port], "tunnel: {targetHost: backend.example, targetPort: 8443}")); // CONNECT by default

        var connection = await rig.ConnectAsync(Vip);
        await connection.Forwarding.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await connection.IsClosedAsync());
        Assert.Contains(rig.Log, l => l.Contains("tunnel refused: HTTP/1.1 403 Forbidden (CONNECT backend.example:8443", StringComparison.Ordinal) && l.Contains("(UF)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsSimple_OnATcpRoute_OriginatesTls_ForwardsTheBytesAndTheEnd()
    {
        var directory = Directory.CreateTempSubdirectory("engine-l4-tls-");
        var (ca, server) = TlsEchoServer.IssueServer("L4 Test CA", "guarded.test");
        var caPath = Path.Combine(directory.FullName, "ca.pem");
        await File.WriteAllTextAsync(caPath, ca.ExportCertificatePem());
        await using var echo = new TlsEchoServer(server);
        await using var rig = new L4Rig(Mesh([echo.Port], $"tls: {{mode: SIMPLE, caCertificates: \"{caPath}\"}}"));

        var connection = await rig.ConnectAsync(Vip);
        Assert.Equal("over tls", await connection.EchoAsync("over tls"));
        await connection.CloseAsync(); // the app's FIN goes up as close_notify and FIN, and the server's comes back

        Assert.Equal("guarded.test", echo.Sni); // the service host, as for HTTP
        Assert.Contains(rig.Log, l => l.Contains("Closed", StringComparison.Ordinal));
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task TlsIstioMutual_OnATcpRoute_PresentsTheWorkloadCertificate_WithIstiosSniAndTcpAlpn()
    {
        var directory = Directory.CreateTempSubdirectory("engine-l4-mtls-");
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Mesh Root", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7));
        using var server = TlsEchoServer.Issue(ca, caKey, "O=cluster.local", ["spiffe://cluster.local/ns/default/sa/db"], serverAuth: true);
        using var workload = TlsEchoServer.Issue(ca, caKey, "CN=app, O=cluster.local", ["spiffe://cluster.local/ns/default/sa/app"], serverAuth: false);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "cert-chain.pem"), workload.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "key.pem"), workload.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "root-cert.pem"), ca.ExportCertificatePem());
        await using var echo = new TlsEchoServer(server, requireClientCertificate: true, alpn: ["istio"]);
        await using var rig = new L4Rig(
            Mesh([echo.Port], "tls: {mode: ISTIO_MUTUAL, subjectAltNames: [\"spiffe://cluster.local/ns/default/sa/db\"]}"),
            options: new Engine.Routing.Compile.RouteCompileOptions { IstioCertificates = directory.FullName });

        var connection = await rig.ConnectAsync(Vip);
        Assert.Equal("in the mesh", await connection.EchoAsync("in the mesh"));

        Assert.Equal("CN=app, O=cluster.local", echo.ClientSubject);
        Assert.Equal("outbound_.7000_._.guarded.test", echo.Sni);
        Assert.Equal("istio", echo.Alpn);
        await connection.CloseAsync();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task TlsOnATcpRoute_AServerCertificateNotTrusted_ClosesTheAppsConnection_UF()
    {
        var directory = Directory.CreateTempSubdirectory("engine-l4-tls-");
        var (ca, _) = TlsEchoServer.IssueServer("Trusted CA", "guarded.test");
        var (_, stranger) = TlsEchoServer.IssueServer("Somebody Else", "guarded.test");
        var caPath = Path.Combine(directory.FullName, "ca.pem");
        await File.WriteAllTextAsync(caPath, ca.ExportCertificatePem());
        await using var echo = new TlsEchoServer(stranger);
        await using var rig = new L4Rig(Mesh([echo.Port], $"tls: {{mode: SIMPLE, caCertificates: \"{caPath}\"}}"));

        var connection = await rig.ConnectAsync(Vip);
        await connection.Forwarding.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await connection.IsClosedAsync());
        Assert.Contains(rig.Log, l => l.Contains("TLS handshake failed", StringComparison.Ordinal) && l.Contains("CERTIFICATE_VERIFY_FAILED", StringComparison.Ordinal) && l.Contains("(UF)", StringComparison.Ordinal));
        directory.Delete(recursive: true);
    }

    private const string OtherVip = "10.90.0.2";

    private static string Mesh(int[] ports, string trafficPolicy) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: guarded}
        spec:
          hosts: [guarded.test]
          addresses: [{{Vip}}]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 7000, name: tcp, protocol: TCP}]
          endpoints:
        {{Endpoints(ports)}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: guarded}
        spec:
          host: guarded.test
          trafficPolicy:
            {{trafficPolicy}}

        """;

    private static string Endpoints(int[] ports)
        => string.Concat(ports.Select(p => "  - {address: 127.0.0.1, ports: {tcp: " + p + "}}\n"));

    private static string OtherService(int port) => $$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: plain}
        spec:
          hosts: [plain.test]
          addresses: [{{OtherVip}}]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 7000, name: tcp, protocol: TCP}]
          endpoints:
        {{Endpoints([port])}}
        """;

    /// <summary>The compiled configuration, a forwarder over it, and the connections made through it.</summary>
    private sealed class L4Rig : IAsyncDisposable
    {
        private readonly RuntimeConfig _config;
        private readonly L4Forwarder _forwarder;
        private readonly ListLogger _logger = new();
        private readonly List<L4Connection> _connections = [];

        public L4Rig(string yaml, TimeProvider? time = null, Engine.Routing.Compile.RouteCompileOptions? options = null)
        {
            _config = CompiledMesh.Build(yaml, new ScriptedRandom(), options);
            _forwarder = new L4Forwarder(new TransparentOptions(), time ?? TimeProvider.System, _logger, CancellationToken.None);
        }

        public IReadOnlyList<string> Log => _logger.Lines;

        public Cluster Cluster(string vip) => _config.Destinations.Find(new IPEndPoint(IPAddress.Parse(vip), 7000))!.DefaultCluster!;

        /// <summary>An app connection to the VIP, routed and forwarded (to <paramref name="endpoint"/> when given).</summary>
        public async Task<L4Connection> ConnectAsync(string vip, Endpoint? endpoint = null)
        {
            var destination = new OriginalDestination(new IPEndPoint(IPAddress.Parse(vip), 7000));
            var decision = TcpRouting.Decide(_config, destination, _config.Destinations.Find(destination.EndPoint), new TransparentOptions(), new ScriptedRandom());
            if (endpoint is not null)
            {
                decision = decision with { Upstream = endpoint.Address, Endpoint = endpoint };
            }

            var connection = await L4Connection.OpenAsync(_forwarder, decision, destination);
            _connections.Add(connection);
            return connection;
        }

        /// <summary>A loopback echo server that counts the connections it accepted.</summary>
        public static Task<EchoServer> EchoAsync() => Task.FromResult(new EchoServer());

        /// <summary>A port that refuses connections: bound, never listening.</summary>
        public static RefusingSocket RefusingPort() => new();

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private sealed class RefusingSocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public RefusingSocket() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

        /// <summary>From now on connections complete (into the backlog; nothing accepts them).</summary>
        public void Listen() => _socket.Listen();

        public void Dispose() => _socket.Dispose();
    }
}
