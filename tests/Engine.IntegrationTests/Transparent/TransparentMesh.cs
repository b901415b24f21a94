using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.IntegrationTests.Infrastructure;
using Engine.IntegrationTests.Infrastructure.Netns;

namespace Engine.IntegrationTests.Transparent;

/// <summary>
/// A pod and a peer in two throw-away network namespaces, as in istio-semantics.md §7.4 but with
/// the real engine as the sidecar:
/// <code>
///   pod  (eth0 10.77.0.2/24, fd00:77::2/64): scripts/iptables.sh rules; artifacts/engine run --transparent
///        as uid 1337; app servers on :8080 and :15021 (an excluded inbound port); apps call out as uid 1000
///   peer (eth0 10.77.0.1/24, fd00:77::1/64): reviews v1/v2 on :9081/:9082, something else on :9080
///        (what an uncaptured call to 10.77.0.1:9080 reaches), an unknown HTTP server on :7070, raw TCP
///        echo servers on :7000 (unknown), :7001/:7002 (tcp-echo v1/v2), a server-first one on :7003
///        (behind smtp.example.com's VIP, port 25 declared TCP), an h2c server on :9090, and the two
///        endpoints of `pinned` (loadBalancer PASSTHROUGH) on :9181/:9182; nothing on :7009 (a refusing
///        endpoint of tcp-flaky, whose other one is tcp-v2; tcp-limited and tcp-idle lead to tcp-v1)
/// </code>
/// The pod routes everything else (the ServiceEntry VIPs 10.77.100.x) via the peer, so a call to
/// a VIP leaves the app and is captured. Skips, with the reason, unless running as root with
/// ip, iptables, setpriv, curl and the published binary. Everything is torn down on dispose, and
/// also when set-up fails half-way.
/// </summary>
public abstract class TransparentMesh : IAsyncLifetime
{
    public const int AppUid = 1000;
    public const int ProxyUid = 1337;
    public const string PodIp = "10.77.0.2";
    public const string PeerIp = "10.77.0.1";
    public const string PodIp6 = "fd00:77::2";
    public const string PeerIp6 = "fd00:77::1";

    private readonly List<IAsyncDisposable> _owned = [];
    private string? _configDirectory;

    /// <summary>The mesh's CA: the pod's engine has a workload identity from it (<c>--istio-certs</c>), and peers get theirs from it.</summary>
    internal Tls.TestPki Mesh { get; } = new("Transparent Mesh Root");

    public const string PodIdentity = "spiffe://cluster.local/ns/default/sa/app";

    public string? SkipReason { get; private set; }

    internal NetworkNamespace Pod { get; private set; } = null!;

    internal NetworkNamespace Peer { get; private set; } = null!;

    internal EngineProcess Engine { get; private set; } = null!;

    internal NsTcpServer Servers(string name) => _owned.OfType<NsTcpServer>().Single(s => s.Name == name);

    /// <summary>How the engine is started: the launcher (namespace, user) and the arguments after the binary.</summary>
    private protected abstract (string[] Launcher, string[] Arguments) EngineCommand(NetworkNamespace pod, string configDirectory);

    public async Task InitializeAsync()
    {
        SkipReason = WhyNotRunnable();
        if (SkipReason is not null)
        {
            return;
        }

        try
        {
            await SetUpAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private static string? WhyNotRunnable()
    {
        if (!OperatingSystem.IsLinux() || NetnsNative.GetEUid() != 0)
        {
            return "transparent-mode tests need root (network namespaces and iptables); CI runs them as root";
        }

        foreach (var tool in new[] { "ip", "iptables", "setpriv", "curl" })
        {
            if (!HostCommand.Exists(tool))
            {
                return $"transparent-mode tests need `{tool}` (scripts/bootstrap.sh installs it)";
            }
        }

        return RepoPaths.NativeEngine is null ? "transparent-mode tests drive the native binary: run scripts/publish.sh (scripts/test.sh does)" : null;
    }

    private async Task SetUpAsync()
    {
        await NetworkNamespace.RemoveStale();
        Pod = await NetworkNamespace.CreateAsync("pod");
        _owned.Add(Pod);
        Peer = await NetworkNamespace.CreateAsync("peer");
        _owned.Add(Peer);
        await NetworkNamespace.LinkAsync(Pod, "eth0", Peer, "eth0");
        foreach (var (ns, v4, v6) in new[] { (Pod, PodIp, PodIp6), (Peer, PeerIp, PeerIp6) })
        {
            await ns.CheckAsync("ip", "addr", "add", v4 + "/24", "dev", "eth0");
            await ns.CheckAsync("ip", "-6", "addr", "add", v6 + "/64", "dev", "eth0", "nodad");
            await ns.CheckAsync("ip", "link", "set", "eth0", "up");
        }

        await Pod.CheckAsync("ip", "route", "add", "default", "via", PeerIp);
        await Pod.CheckAsync("ip", "-6", "route", "add", "default", "via", PeerIp6);

        foreach (var (port, name) in new[] { (9080, "peer-9080"), (9081, "reviews-v1"), (9082, "reviews-v2"), (7070, "external"), (9181, "pinned-a"), (9182, "pinned-b") })
        {
            _owned.Add(NsTcpServer.WhoAmI(Peer, port, name));
        }

        foreach (var (port, name) in new[] { (7000, "tcp-echo"), (7001, "tcp-v1"), (7002, "tcp-v2") })
        {
            _owned.Add(NsTcpServer.Echo(Peer, port, name));
        }

        _owned.Add(NsTcpServer.BannerEcho(Peer, 7003, "smtp"));
        _owned.Add(NsTcpServer.Echo(Peer, 443, "tls-direct"));

        _owned.Add(await H2cServer.StartAsync(Peer, 9090));
        _owned.Add(await WebSocketServer.StartAsync(Peer, 9096, "chat-peer"));
        _owned.Add(NsTcpServer.WhoAmI(Pod, 8080, "app"));
        _owned.Add(NsTcpServer.WhoAmI(Pod, 15021, "app-health"));

        _configDirectory = Directory.CreateTempSubdirectory("engine-transparent-").FullName;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_configDirectory, (UnixFileMode)0b111_101_101); // 0755: the engine runs as uid 1337
        }

        await File.WriteAllTextAsync(Path.Combine(_configDirectory, "mesh.yaml"), MeshYaml);

        await Pod.CheckAsync(Path.Combine(RepoPaths.Root, "scripts", "iptables.sh"), "install", "--proxy-uid", ProxyUid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (launcher, arguments) = EngineCommand(Pod, _configDirectory);
        var certs = Mesh.IssueWorkloadFiles(PodIdentity);
        if (OperatingSystem.IsLinux())
        {
            // The engine runs as uid 1337: the folders and files must be readable to it.
            foreach (var folder in new[] { Mesh.Directory, certs })
            {
                File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
            }

            foreach (var file in Directory.GetFiles(certs))
            {
                File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
            }
        }

        Engine = EngineProcess.StartNative(launcher, [.. arguments, "--istio-certs", certs]);
        _owned.Add(Engine);
        await Engine.WaitForOutputAsync("ready on");
    }

    public const string MeshYaml = """
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
          - {address: 10.77.0.1, ports: {http: 9082}, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - match: [{port: 9999}]
            route: [{destination: {host: reviews, subset: v2}}]
          - match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - route: [{destination: {host: reviews, subset: v1}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-echo}
        spec:
          hosts: [tcp-echo]
          addresses: [10.77.100.20]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 7100, name: tcp, protocol: TCP}]
          endpoints:
          - {address: 10.77.0.1, ports: {tcp: 7001}, labels: {version: v1}}
          - {address: 10.77.0.1, ports: {tcp: 7002}, labels: {version: v2}}
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
            route: [{destination: {host: tcp-echo, subset: v2}, weight: 100}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: chat}
        spec:
          hosts: [chat]
          addresses: [10.77.100.50]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9095, name: http, protocol: HTTP}]
          endpoints: [{address: 10.77.0.1, ports: {http: 9096}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: smtp}
        spec:
          hosts: [smtp.example.com]
          addresses: [10.77.100.30]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 25, name: tcp-smtp, protocol: TCP, targetPort: 7003}]
          endpoints: [{address: 10.77.0.1}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: secure}
        spec:
          hosts: [api.secure.test]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{number: 443, name: tls, protocol: TLS}]
          endpoints:
          - {address: 10.77.0.1, ports: {tls: 7001}, labels: {version: v1}}
          - {address: 10.77.0.1, ports: {tls: 7002}, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: secure}
        spec:
          host: api.secure.test
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: secure}
        spec:
          hosts: [api.secure.test]
          tls:
          - match: [{sniHosts: [api.secure.test]}]
            route: [{destination: {host: api.secure.test, subset: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: passthrough}
        spec:
          hosts: ["*.passthrough.test"]
          location: MESH_EXTERNAL
          resolution: NONE
          ports: [{number: 443, name: tls, protocol: TLS}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: pinned}
        spec:
          hosts: [pinned]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9180, name: http, protocol: HTTP}]
          endpoints:
          - {address: 10.77.0.1, ports: {http: 9181}}
          - {address: 10.77.0.1, ports: {http: 9182}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: pinned}
        spec:
          host: pinned
          trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-limited}
        spec:
          hosts: [tcp-limited]
          addresses: [10.77.100.40]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 7400, name: tcp, protocol: TCP}]
          endpoints: [{address: 10.77.0.1, ports: {tcp: 7001}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-limited}
        spec:
          host: tcp-limited
          trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-flaky}
        spec:
          hosts: [tcp-flaky]
          addresses: [10.77.100.41]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 7500, name: tcp, protocol: TCP}]
          endpoints:
          - {address: 10.77.0.1, ports: {tcp: 7009}}
          - {address: 10.77.0.1, ports: {tcp: 7002}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-flaky}
        spec:
          host: tcp-flaky
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            outlierDetection: {consecutive5xxErrors: 2, baseEjectionTime: 5m}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tcp-idle}
        spec:
          hosts: [tcp-idle]
          addresses: [10.77.100.42]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 7600, name: tcp, protocol: TCP}]
          endpoints: [{address: 10.77.0.1, ports: {tcp: 7001}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-idle}
        spec:
          host: tcp-idle
          trafficPolicy: {connectionPool: {tcp: {idleTimeout: 1s}}}
        """;

    /// <summary>curl from inside a namespace, as a user (null: root), printing headers and body.</summary>
    internal async Task<HttpAnswer> CurlAsync(NetworkNamespace ns, int? uid, params string[] arguments)
    {
        var (code, stdout, stderr) = await ns.RunAsync(uid, ["curl", "-q", "-sS", "-m", "15", "-D", "-", .. arguments]);
        return HttpAnswer.Parse(code, stdout, stderr);
    }

    /// <summary>
    /// A raw TCP exchange from inside the pod, as root (captured like any non-proxy user): send
    /// the bytes, half-close, read everything until the other side's FIN.
    /// </summary>
    internal async Task<byte[]> TcpExchangeAsync(string host, int port, byte[] payload)
    {
        var address = IPAddress.Parse(host);
        using var socket = Pod.CreateSocket(address.AddressFamily);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new IPEndPoint(address, port), deadline.Token);
        var receive = ReadToEndAsync(socket, deadline.Token);
        await socket.SendAsync(payload, SocketFlags.None, deadline.Token);
        socket.Shutdown(SocketShutdown.Send);
        return await receive;
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancel)
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            if (n == 0)
            {
                return all.ToArray();
            }

            all.Write(buffer, 0, n);
        }
    }

    /// <summary>
    /// A server-first TCP exchange from inside the pod: wait for the greeting line before sending
    /// anything, then send, half-close and read to the end.
    /// </summary>
    internal async Task<string> ServerFirstExchangeAsync(string host, int port, string send)
    {
        using var socket = Pod.CreateSocket(AddressFamily.InterNetwork);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port), deadline.Token);
        var greeting = new List<byte>();
        var one = new byte[1];
        while (!greeting.Contains((byte)'\n') && await socket.ReceiveAsync(one, SocketFlags.None, deadline.Token) == 1)
        {
            greeting.Add(one[0]);
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(send), SocketFlags.None, deadline.Token);
        socket.Shutdown(SocketShutdown.Send);
        return Encoding.ASCII.GetString([.. greeting]) + Text(await ReadToEndAsync(socket, deadline.Token));
    }

    /// <summary>Waits (bounded) for the engine to log a line containing every one of the fragments.</summary>
    /// <summary>
    /// From the peer namespace, what a peer sidecar sends under ISTIO_MUTUAL: TLS to
    /// <paramref name="address"/> with the workload certificate in <paramref name="certs"/> (none:
    /// no client certificate), Istio's ALPN, the server checked against the mesh root; then
    /// <paramref name="request"/>, and everything read back until the end. Returns it and the
    /// server certificate's identity (its URI SAN).
    /// </summary>
    internal async Task<(string Answer, string ServerIdentity)> MutualTlsRequestAsync(string? certs, string address, int port, string request)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = Peer.CreateSocket(AddressFamily.InterNetwork);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), port), deadline.Token);
        await using var ssl = new System.Net.Security.SslStream(new NetworkStream(socket, ownsSocket: false));
        var options = new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = $"outbound_.{port}_._.app.default.svc.cluster.local",
            ApplicationProtocols = [new("istio-http/1.1"), new("istio"), System.Net.Security.SslApplicationProtocol.Http11],
            CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            },
            RemoteCertificateValidationCallback = (_, _, _, errors) => errors is System.Net.Security.SslPolicyErrors.None or System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch,
        };
        options.CertificateChainPolicy.CustomTrustStore.Add(Mesh.Ca);
        if (certs is not null)
        {
            options.ClientCertificates = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(Path.Combine(certs, "cert-chain.pem"), Path.Combine(certs, "key.pem"))];
        }

        await ssl.AuthenticateAsClientAsync(options, deadline.Token);
        using var serverCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData());
        var server = serverCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.UrlName, false);
        await ssl.WriteAsync(Encoding.ASCII.GetBytes(request), deadline.Token);
        using var answer = new MemoryStream();
        await ssl.CopyToAsync(answer, deadline.Token);
        return (Encoding.ASCII.GetString(answer.ToArray()), server);
    }

    internal Task WaitForLogAsync(params string[] fragments)
        => WaitFor.ConditionAsync(
            () => Engine.Output.Split('\n').Any(line => fragments.All(f => line.Contains(f, StringComparison.Ordinal))),
            15_000,
            "engine log line with " + string.Join(" + ", fragments) + "\n" + Engine.Output);

    public async Task DisposeAsync()
    {
        // Processes and servers first, namespaces last (deleting one takes its rules and links with it).
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or SocketException or OperationCanceledException)
            {
                // Best effort: keep tearing down the rest.
            }
        }

        _owned.Clear();
        Mesh.Dispose();
        if (_configDirectory is not null)
        {
            Directory.Delete(_configDirectory, recursive: true);
        }
    }

    internal static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);
}

/// <summary>Istio's default: ALLOW_ANY, the engine under <c>setpriv</c> as uid 1337.</summary>
public sealed class AllowAnyMesh : TransparentMesh
{
    private protected override (string[] Launcher, string[] Arguments) EngineCommand(NetworkNamespace pod, string configDirectory)
        => (pod.Exec(ProxyUid), ["run", "--transparent", "--config", configDirectory, "--protocol-detection-timeout", "300s"]);
}

/// <summary>REGISTRY_ONLY, the engine started as root that becomes uid 1337 itself (<c>--uid</c>).</summary>
public sealed class RegistryOnlyMesh : TransparentMesh
{
    private protected override (string[] Launcher, string[] Arguments) EngineCommand(NetworkNamespace pod, string configDirectory)
        => (pod.Exec(null), ["run", "--transparent", "--uid", "1337", "--outbound-policy", "registry-only", "--config", configDirectory]);
}
