using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Dns;

/// <summary>
/// The usual egress ServiceEntry (<c>resolution: DNS</c>, no endpoints, as Istio's
/// bookinfo-egress-rule-google-apis.yaml) with a name every machine resolves: the engine resolves
/// the host itself, and `engine explain` and /clusters show the resolved endpoint.
/// </summary>
public sealed class DnsLocalhostTests : IAsyncLifetime
{
    private readonly string _configDir = Directory.CreateTempSubdirectory("engine-dns-").FullName;
    private Upstreams _upstreams = null!;
    private int _upstreamPort;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("local");
        _upstreamPort = _upstreams.PortOf("local");
        await File.WriteAllTextAsync(Path.Combine(_configDir, "egress.yaml"), $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: local-egress}
            spec:
              hosts: [localhost]
              location: MESH_EXTERNAL
              resolution: DNS
              ports:
              - {number: 80, name: http, protocol: HTTP, targetPort: {{_upstreamPort}}}
            """);
    }

    public async Task DisposeAsync()
    {
        await _upstreams.DisposeAsync();
        Directory.Delete(_configDir, recursive: true);
    }

    [Fact]
    public async Task DnsEntryWithoutEndpoints_ResolvesItsHost_AndRoutesToIt()
    {
        var port = FreePort.Next();
        var admin = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin 127.0.0.1:{admin}");
        await engine.WaitForOutputAsync("ready on");

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/egress") { Headers = { Host = "localhost" } };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local", response.Headers.GetValues("x-served-by").Single());
        var clusters = await client.GetStringAsync($"http://127.0.0.1:{admin}/clusters");
        Assert.Contains($"outbound|80||localhost.default.svc.cluster.local::127.0.0.1:{_upstreamPort}::rq_active::", clusters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ShowsTheResolvedEndpoint()
    {
        var (exitCode, output) = await EngineProcess.RunAsync($"explain --config {_configDir} http://localhost/egress");

        Assert.True(exitCode == 0, output);
        Assert.Contains($"endpoint 127.0.0.1:{_upstreamPort}", output, StringComparison.Ordinal);
    }
}
