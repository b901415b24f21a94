using System.Diagnostics;
using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>
/// Through the `engine` binary (`engine run` as a process, echo upstreams on loopback): a
/// wildcard VirtualService routes the registered services it matches (istio-semantics.md §2.3);
/// <c>match.port</c> is decided per port at config time, so a port no rule is for keeps the
/// service's default route (§3.1); the fault filter runs before CORS and the router (§1, §3.12,
/// §3.13). The h2c subclass repeats every case: the HTTP/2 session has its own request path.
/// </summary>
public class WildcardPortAndFilterOrderTests : IAsyncLifetime
{
    private const int FaultDelayMs = 300; // the fixedDelay of /delay-cors

    private Upstreams _upstreams = null!;
    private EngineProcess _engine = null!;
    private HttpClient _client = null!;
    private string _configDir = null!;

    /// <summary>The client speaks h2c (prior knowledge) to the proxy.</summary>
    protected virtual bool OverHttp2 => false;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("api", "other", "svc", "faulty");
        _configDir = Directory.CreateTempSubdirectory("engine-route-").FullName;
        var api = _upstreams.PortOf("api");
        var svc = _upstreams.PortOf("svc");
        await File.WriteAllTextAsync(Path.Combine(_configDir, "mesh.yaml"), string.Join("---\n",
            MeshYaml.Service("api.example.com", 80, (api, "v1")),
            MeshYaml.Service("other.internal", 80, (_upstreams.PortOf("other"), "v1")),
            MeshYaml.Service("faulty.internal", 80, (_upstreams.PortOf("faulty"), "v1")),
            $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: svc}
            spec:
              hosts: [svc.internal]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 8080, name: http-alt, protocol: HTTP}
              endpoints:
              - {address: 127.0.0.1, ports: {http: {{{svc}}}, http-alt: {{{svc}}}}}
            """ + "\n",
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: wildcard}
            spec:
              hosts: ["*.example.com"]
              http:
              - route:
                - destination: {host: other.internal}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc.internal]
              http:
              - match: [{port: 80, uri: {prefix: /teapot}}]
                directResponse: {status: 418}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: faulty}
            spec:
              hosts: [faulty.internal]
              http:
              - match: [{uri: {prefix: /abort-cors}}]
                fault: {abort: {httpStatus: 555, percentage: {value: 100}}}
                corsPolicy: {allowOrigins: [{exact: "https://example.com"}], allowMethods: [GET]}
                route:
                - destination: {host: faulty.internal}
              - match: [{uri: {prefix: /abort-nc}}]
                fault: {abort: {httpStatus: 556, percentage: {value: 100}}}
                route:
                - destination: {host: faulty.internal, subset: missing}
              - match: [{uri: {prefix: /delay-cors}}]
                fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                corsPolicy: {allowOrigins: [{exact: "https://example.com"}], allowMethods: [GET]}
                route:
                - destination: {host: faulty.internal}
            """ + "\n"));

        var port = FreePort.Next();
        _engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port}");
        await _engine.WaitForOutputAsync("ready on");
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _engine.DisposeAsync();
        await _upstreams.DisposeAsync();
        Directory.Delete(_configDir, recursive: true);
    }

    private async Task<(HttpStatusCode Status, string? ServedBy, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string host, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Version = OverHttp2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await _client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var servedBy = response.Headers.TryGetValues("x-served-by", out var values) ? values.First() : null;
        return (response.StatusCode, servedBy, response);
    }

    private static readonly (string, string)[] Preflight = [("Origin", "https://example.com"), ("Access-Control-Request-Method", "GET")];

    [Fact]
    public async Task WildcardVirtualService_RoutesTheRegisteredServiceItMatches()
    {
        var (status, servedBy, _) = await SendAsync(HttpMethod.Get, "api.example.com", "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("other", servedBy); // the VirtualService's route, not api.example.com's default
        Assert.Equal(0, _upstreams["api"].Requests);
    }

    [Fact]
    public async Task PortMatch_OnAPortNoRuleIsFor_TheServiceGetsItsDefaultRoute()
    {
        var (teapot, _, _) = await SendAsync(HttpMethod.Get, "svc.internal:80", "/teapot");
        var (unmatched, _, _) = await SendAsync(HttpMethod.Get, "svc.internal:80", "/other");
        var (onAlt, servedBy, _) = await SendAsync(HttpMethod.Get, "svc.internal:8080", "/other");
        var (teapotOnAlt, servedByAlt, _) = await SendAsync(HttpMethod.Get, "svc.internal:8080", "/teapot");

        Assert.Equal((HttpStatusCode)418, teapot);
        Assert.Equal(HttpStatusCode.NotFound, unmatched); // a rule survives on 80: unmatched is 404 NR
        Assert.Equal(HttpStatusCode.OK, onAlt);
        Assert.Equal("svc", servedBy);
        Assert.Equal(HttpStatusCode.OK, teapotOnAlt);
        Assert.Equal("svc", servedByAlt);
    }

    [Fact]
    public async Task FaultAbort_WinsOverAnAllowedCorsPreflight()
    {
        var (status, _, response) = await SendAsync(HttpMethod.Options, "faulty.internal", "/abort-cors", Preflight);

        Assert.Equal((HttpStatusCode)555, status);
        Assert.False(response.Headers.Contains("access-control-allow-origin"));
    }

    [Fact]
    public async Task FaultAbort_WinsOverAMissingCluster()
    {
        var (status, _, response) = await SendAsync(HttpMethod.Get, "faulty.internal", "/abort-nc");

        Assert.Equal((HttpStatusCode)556, status);
        Assert.Equal("fault filter abort", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FaultDelay_ComesBeforeTheCorsPreflightAnswer()
    {
        // A first exchange on the connection, so that setting it up is not counted as the delay.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "faulty.internal", "/none")).Status);

        var started = Stopwatch.GetTimestamp();
        var (status, _, response) = await SendAsync(HttpMethod.Options, "faulty.internal", "/delay-cors", Preflight);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("https://example.com", response.Headers.GetValues("access-control-allow-origin").Single());
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(FaultDelayMs), $"answered after {elapsed.TotalMilliseconds} ms");
        Assert.Equal(0, _upstreams["faulty"].Requests);
    }

    [Fact]
    public async Task Explain_SaysAPortNoRuleIsFor_KeepsTheDefaultRoute()
    {
        var (code, output) = await EngineProcess.RunAsync($"explain --config {_configDir} http://svc.internal:8080/teapot");

        Assert.True(code == 0, output);
        Assert.Contains("no rule of default/svc is for this port", output, StringComparison.Ordinal);
        Assert.Contains("outbound|8080||svc.internal", output, StringComparison.Ordinal);
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class WildcardPortAndFilterOrderTestsOverH2c : WildcardPortAndFilterOrderTests
{
    protected override bool OverHttp2 => true;
}
