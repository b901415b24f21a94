using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Balancing;

/// <summary>
/// Locality failover through the native binary started with <c>--locality</c>: with outlier
/// detection, requests stay in the sidecar's own locality while it is healthy, and move to the
/// next one when its endpoint is ejected (istio-semantics.md §4.3).
/// </summary>
public sealed class LocalityFailoverTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private ScriptedUpstream _near = null!;
    private EngineProcess? _engine;
    private string? _configDirectory;
    private volatile bool _nearFails;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("far");
        _near = new ScriptedUpstream(x => x.SendAsync(_nearFails
            ? "HTTP/1.1 503 Service Unavailable\r\nx-served-by: near\r\nContent-Length: 0\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nx-served-by: near\r\nContent-Length: 2\r\n\r\nok"));
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        await _upstreams.DisposeAsync();
        await _near.DisposeAsync();
        if (_configDirectory is not null)
        {
            Directory.Delete(_configDirectory, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Requests_StayInTheSidecarsLocality_AndFailOverWhenItsEndpointFails()
    {
        Skip.If(RepoPaths.NativeEngine is null, "drives the native binary: run scripts/publish.sh (scripts/test.sh does)");
        _configDirectory = Directory.CreateTempSubdirectory("engine-locality-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_configDirectory, "mesh.yaml"), $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 127.0.0.1, ports: {http: {{_upstreams.PortOf("far")}}}, locality: us-west/zone1}
              - {address: 127.0.0.1, ports: {http: {{_near.Port}}}, locality: us-east/zone1/a}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}
            """);
        var port = FreePort.Next();
        _engine = EngineProcess.StartNative(["/usr/bin/env"], ["run", "--config", _configDirectory, "--listen", $"127.0.0.1:{port}", "--admin", "none", "--locality", "us-east/zone1/a"]);
        await _engine.WaitForOutputAsync("ready on");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };

        async Task<string> ServedBy()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = "reviews:9080";
            using var response = await client.SendAsync(request);
            var name = response.Headers.TryGetValues("x-served-by", out var values) ? values.First() : "?";
            return $"{name} {(int)response.StatusCode}";
        }

        var before = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            before.Add(await ServedBy());
        }

        _nearFails = true; // its next answer is a 503: outlier detection ejects it at once
        var after = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            after.Add(await ServedBy());
        }

        Assert.Equal(Enumerable.Repeat("near 200", 20), before);
        Assert.Equal("near 503", after[0]); // Istio's default policy does not retry a 503
        Assert.Equal(Enumerable.Repeat("far 200", 19), after.Skip(1));
    }
}
