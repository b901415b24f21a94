namespace Engine.IntegrationTests.Transparent;

/// <summary>
/// The engine as Istio's sidecar, for real: iptables REDIRECT in a network namespace, the native
/// binary as uid 1337, apps as uid 1000 (see <see cref="TransparentMesh"/>). Outbound policy
/// ALLOW_ANY.
/// </summary>
[Collection(TransparentCollection.Name)]
public sealed class TransparentInterceptionTests : IClassFixture<AllowAnyMesh>
{
    private readonly AllowAnyMesh _mesh;

    public TransparentInterceptionTests(AllowAnyMesh mesh) => _mesh = mesh;

    private Task<HttpAnswer> App(params string[] curl) => _mesh.CurlAsync(_mesh.Pod, TransparentMesh.AppUid, curl);

    [SkippableFact]
    public async Task App_CallingAPeerByIpWithAServiceHost_IsRoutedPerVirtualService()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // 10.77.0.1:9080 is some other server; the Host names reviews, so routing decides.
        var jason = await App("-H", "Host: reviews", "-H", "end-user: jason", "http://10.77.0.1:9080/");
        var other = await App("-H", "Host: reviews", "http://10.77.0.1:9080/");

        Assert.Equal("reviews-v2", jason.ServedBy);
        Assert.Equal("reviews-v1", other.ServedBy);
        Assert.True(other.ViaProxy, other.ToString());
    }

    [SkippableFact]
    public async Task RoutePortConditions_SeeTheOriginalDestinationPort_NotTheAuthoritys()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // The rule `match: port 9999` sends to v2; the authority claims 9080, the app dialled 9999.
        var dialled9999 = await App("-H", "Host: reviews:9080", "http://10.77.0.1:9999/");
        var dialled9080 = await App("-H", "Host: reviews:9999", "http://10.77.0.1:9080/");

        Assert.Equal("reviews-v2", dialled9999.ServedBy);
        Assert.Equal("reviews-v1", dialled9080.ServedBy);
    }

    [SkippableFact]
    public async Task App_CallingAServiceEntryVip_IsRoutedPerVirtualService()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await App("-H", "end-user: jason", "http://10.77.100.10:9080/");

        Assert.Equal("reviews-v2", answer.ServedBy);
    }

    [SkippableFact]
    public async Task App_CallingAnEndpointAddress_IsRoutedAsItsService()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // The v1 endpoint's own address: the Host names nothing, the address names reviews.
        var answer = await App("-H", "end-user: jason", "http://10.77.0.1:9081/");

        Assert.Equal("reviews-v2", answer.ServedBy);
    }

    [SkippableFact]
    public async Task PassthroughLoadBalancer_SendsEachRequestWhereTheAppDialled()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // `pinned` has two endpoints and loadBalancer PASSTHROUGH (Envoy's ORIGINAL_DST): a call to
        // one endpoint's address stays there, by address or by the service's Host. A balancer would
        // split these twelve calls between the two (all on one: 1 in 2,048).
        var servedBy = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            servedBy.Add((await App("http://10.77.0.1:9181/")).ServedBy);
            servedBy.Add((await App("-H", "Host: pinned", "http://10.77.0.1:9182/")).ServedBy);
        }

        Assert.Equal(Enumerable.Repeat<string?>("pinned-a", 6), servedBy.Where((_, i) => i % 2 == 0));
        Assert.Equal(Enumerable.Repeat<string?>("pinned-b", 6), servedBy.Where((_, i) => i % 2 == 1));
    }

    [SkippableFact]
    public async Task App_OverIPv6_IsCapturedAndRouted()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await App("-g", "-H", "Host: reviews", "-H", "end-user: jason", "http://[fd00:77::1]:9080/");

        Assert.Equal("reviews-v2", answer.ServedBy);
    }

    [SkippableFact]
    public async Task Tls_IsRoutedByTheServerNameOfItsClientHello()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // A real ClientHello (the rest of the handshake does not matter to an L4 route): the echo
        // servers say who got it, and send it back byte for byte.
        var secure = await Engine.Tests.Interception.ClientHellos.CaptureAsync("api.secure.test");
        var toSecure = await _mesh.TcpExchangeAsync(TransparentMesh.PeerIp, 443, secure);
        var wildcard = await _mesh.TcpExchangeAsync(TransparentMesh.PeerIp, 443, await Engine.Tests.Interception.ClientHellos.CaptureAsync("www.passthrough.test"));
        var unknown = await _mesh.TcpExchangeAsync(TransparentMesh.PeerIp, 443, await Engine.Tests.Interception.ClientHellos.CaptureAsync("nobody.test"));

        Assert.Equal(secure, toSecure.AsSpan(0, secure.Length).ToArray());
        Assert.EndsWith($"[tcp-v2] received {secure.Length} bytes\n", TransparentMesh.Text(toSecure));    // the tls[] rule: subset v2
        Assert.Contains("[tls-direct] received", TransparentMesh.Text(wildcard), StringComparison.Ordinal); // resolution NONE: where the app dialled
        Assert.Contains("[tls-direct] received", TransparentMesh.Text(unknown), StringComparison.Ordinal);  // ALLOW_ANY passthrough
        await _mesh.WaitForLogAsync("outbound tls", "via outbound|443|v2|api.secure.test");
    }

    [SkippableFact]
    public async Task AWebSocket_FromTheApp_IsUpgradedThroughTheCapture()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // The app dials the service's address; the capture sends it to the engine, which routes
        // the upgrade by Host and tunnels the upgraded connection (RFC 6455's sample key and accept).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = _mesh.Pod.CreateSocket(System.Net.Sockets.AddressFamily.InterNetwork);
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.77.100.50"), 9095), deadline.Token);
        await using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "GET /ws HTTP/1.1\r\nHost: chat:9095\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"), deadline.Token);
        var head = await ReadHeadAsync(stream, deadline.Token);

        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        Assert.Contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head, StringComparison.OrdinalIgnoreCase);
        using var webSocket = System.Net.WebSockets.WebSocket.CreateFromStream(stream, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = false });
        Assert.Equal("chat-peer", await ReceiveTextAsync(webSocket, deadline.Token));
        await webSocket.SendAsync("through the capture"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, deadline.Token);
        Assert.Equal("through the capture", await ReceiveTextAsync(webSocket, deadline.Token));
        await webSocket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send); // the tunnel ends when both sides have: then it is logged
        await _mesh.WaitForLogAsync("\"GET /ws HTTP/1.1\" 101");
    }

    /// <summary>A response head, read a byte at a time so that nothing after it is taken from the stream.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancel)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancel) == 0)
            {
                break;
            }

            head.Add(one[0]);
        }

        return System.Text.Encoding.ASCII.GetString([.. head]);
    }

    private static async Task<string> ReceiveTextAsync(System.Net.WebSockets.WebSocket webSocket, CancellationToken cancel)
    {
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            var received = await webSocket.ReceiveAsync(buffer.AsMemory(length), cancel);
            length += received.Count;
            if (received.EndOfMessage)
            {
                return System.Text.Encoding.ASCII.GetString(buffer, 0, length);
            }
        }
    }

    [SkippableFact]
    public async Task ProxyUid_IsNotCaptured()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await _mesh.CurlAsync(_mesh.Pod, TransparentMesh.ProxyUid, "-H", "Host: reviews", "http://10.77.0.1:9080/");

        Assert.Equal("peer-9080", answer.ServedBy); // straight to the address, no routing
        Assert.False(answer.ViaProxy, answer.ToString());
    }

    [SkippableFact]
    public async Task Localhost_IsNotCaptured()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await App("http://127.0.0.1:8080/");

        Assert.Equal("app", answer.ServedBy);
        Assert.False(answer.ViaProxy, answer.ToString());
    }

    [SkippableFact]
    public async Task UnknownDestination_PassesThroughTheProxy_ToTheOriginalDestination()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await App("http://10.77.0.1:7070/anything");

        Assert.True(answer.Status == 200, answer + "\n" + _mesh.Engine.Output);
        Assert.Equal("external", answer.ServedBy);
        Assert.True(answer.ViaProxy, answer.ToString()); // captured, then PassthroughCluster
    }

    [SkippableFact]
    public async Task Inbound_IsCapturedAndDeliveredToTheApp_From127006()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var v4 = await _mesh.CurlAsync(_mesh.Peer, null, "http://10.77.0.2:8080/");
        var v6 = await _mesh.CurlAsync(_mesh.Peer, null, "-g", "http://[fd00:77::2]:8080/");

        Assert.Equal("app", v4.ServedBy);
        Assert.StartsWith("127.0.0.6:", v4.Peer);
        Assert.Equal("app", v6.ServedBy);
        Assert.StartsWith("[::6]:", v6.Peer);
        await _mesh.WaitForLogAsync("inbound tcp 10.77.0.1:", "-> 10.77.0.2:8080 via InboundPassthroughCluster", "Closed");
    }

    [SkippableFact]
    public async Task InboundIstioMtls_FromAPeerSidecar_IsEnded_AndTheAppGetsPlaintextFrom127006()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);
        var peer = _mesh.Mesh.IssueWorkloadFiles("spiffe://cluster.local/ns/default/sa/peer");

        // A peer sidecar's ISTIO_MUTUAL: its workload certificate, Istio's SNI and in-mesh ALPN.
        var (answer, server) = await _mesh.MutualTlsRequestAsync(peer, "10.77.0.2", 8080, "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");

        Assert.Equal(TransparentMesh.PodIdentity, server); // the pod's engine answered with its identity
        Assert.Contains("x-served-by: app", answer, StringComparison.Ordinal); // and the app read plaintext HTTP
        Assert.Contains("peer=127.0.0.6:", answer, StringComparison.Ordinal);
        await _mesh.WaitForLogAsync("inbound mtls 10.77.0.1:", "-> 10.77.0.2:8080 via InboundPassthroughCluster", "Closed");
    }

    [SkippableFact]
    public async Task InboundIstioMtls_WithoutAMeshCertificate_IsRefused()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // Under TLS 1.3 the client may finish its side of the handshake before the server has
        // refused it: then nothing comes back instead of an error. Either way the app sees nothing.
        string answer;
        try
        {
            (answer, _) = await _mesh.MutualTlsRequestAsync(null, "10.77.0.2", 8080, "GET / HTTP/1.1\r\nHost: app\r\n\r\n");
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            answer = "";
        }

        Assert.Equal("", answer);

        await _mesh.WaitForLogAsync("inbound mtls 10.77.0.1:", "mTLS handshake failed", "(DPE)");
    }

    [SkippableFact]
    public async Task ExcludedInboundPort_IsNotCaptured()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await _mesh.CurlAsync(_mesh.Peer, null, "http://10.77.0.2:15021/");

        Assert.Equal("app-health", answer.ServedBy);
        Assert.StartsWith("10.77.0.1:", answer.Peer); // the caller itself, not 127.0.0.6
    }

    [SkippableFact]
    public async Task RawTcp_PassesThroughByteExact_WithHalfClose()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);
        var payload = new byte[1024 * 1024 + 3];
        new Random(7).NextBytes(payload);

        var received = await _mesh.TcpExchangeAsync("10.77.0.1", 7000, payload);

        // Echoed bytes, then the trailer the server sends only after it saw our FIN.
        var trailer = $"\n[tcp-echo] received {payload.Length} bytes\n";
        Assert.Equal(payload.Length + trailer.Length, received.Length);
        Assert.True(received.AsSpan(0, payload.Length).SequenceEqual(payload));
        Assert.Equal(trailer, TransparentMesh.Text(received[payload.Length..]));
        await _mesh.WaitForLogAsync("outbound tcp", "-> 10.77.0.1:7000 via PassthroughCluster", $"Closed, {payload.Length} bytes sent, {received.Length} bytes received");
    }

    [SkippableFact]
    public async Task TcpRoute_SendsTheServicePort_ToTheWeightedDestination()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var received = await _mesh.TcpExchangeAsync("10.77.100.20", 7100, "ping"u8.ToArray());

        Assert.Equal("ping\n[tcp-v2] received 4 bytes\n", TransparentMesh.Text(received));
    }

    [SkippableFact]
    public async Task ServerFirstProtocol_OnAPortDeclaredTcp_IsNotHeldForProtocolDetection()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // Detection would wait 300 s (the fixture's --protocol-detection-timeout) for the client,
        // which waits for the greeting: only skipping detection for a declared TCP port answers.
        var exchange = await _mesh.ServerFirstExchangeAsync("10.77.100.30", 25, "QUIT\r\n");

        Assert.Equal("220 smtp ready\nQUIT\r\n\n[smtp] received 6 bytes\n", exchange);
    }

    [SkippableFact]
    public async Task Http2PriorKnowledge_ToAnUnknownDestination_IsProxiedAsHttp2_ThroughPassthroughCluster()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        var answer = await App("--http2-prior-knowledge", "http://10.77.0.1:9090/");

        // Captured h2c is an HTTP/2 session: the request is routed (allow_any) and goes on over
        // HTTP/2, the client's protocol, as Istio's PassthroughCluster does (use_downstream_protocol).
        Assert.Equal(200, answer.Status);
        Assert.StartsWith("HTTP/2 200", answer.Headers);
        Assert.Equal("h2c peer HTTP/2", answer.Body);
        await _mesh.WaitForLogAsync("\"GET / HTTP/2\" 200", "PassthroughCluster", "allow_any");
    }

    [SkippableFact]
    public async Task ConnectionStraightToTheCapturePort_IsRefused_NotLooped()
    {
        Skip.If(_mesh.SkipReason is not null, _mesh.SkipReason);

        // The pod's own address is not captured for the app (ISTIO_OUTPUT rule 3): it reaches 15001 unredirected.
        var answer = await App("http://10.77.0.2:15001/");

        Assert.Equal(52, answer.ExitCode); // curl: empty reply from server
        await _mesh.WaitForLogAsync("outbound connection from 10.77.0.2:", "refused: not redirected");
    }
}
