using System.Text;
using BenchmarkDotNet.Attributes;
using Engine.Config;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Benchmarks.Routing;

/// <summary>
/// Compile time of a configuration with 10, 1,000 and 10,000 VirtualService rules (issue 4): the
/// YAML already loaded (what a reload pays after parsing: registry, clusters, route table and
/// its automata), and the whole reload with YAML parsing and validation.
/// </summary>
[MemoryDiagnoser]
public class RouteCompileBenchmarks
{
    private string _yaml = string.Empty;
    private ConfigSnapshot _snapshot = null!;
    private RuntimeConfigBuilder _builder = null!;

    [Params(10, 1_000, 10_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _yaml = Yaml(Rules);
        var load = ConfigLoader.LoadText(_yaml, "bench.yaml", "default");
        _snapshot = load.Snapshot ?? throw new InvalidOperationException(string.Join("\n", load.Diagnostics.Take(5)));
        var pools = new UpstreamPools(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings())));
        _builder = new RuntimeConfigBuilder(pools, SharedRandomSource.Instance, TimeProvider.System);
    }

    [Benchmark(Baseline = true)]
    public int Compile()
    {
        var (config, generation) = _builder.Build(_snapshot.VirtualServices, _snapshot.DestinationRules, _snapshot.ServiceEntries, _snapshot.WorkloadEntries, new RouteCompileOptions(), _ => { });
        generation.Commit();
        return config.Clusters.Count;
    }

    [Benchmark]
    public int LoadValidateAndCompile()
    {
        var snapshot = ConfigLoader.LoadText(_yaml, "bench.yaml", "default").Snapshot!;
        var (config, generation) = _builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries, new RouteCompileOptions(), _ => { });
        generation.Commit();
        return config.Clusters.Count;
    }

    /// <summary>One service per 10 rules, each with a VirtualService mixing prefix, exact, regex and header rules.</summary>
    private static string Yaml(int rules)
    {
        var yaml = new StringBuilder();
        var services = Math.Max(1, rules / 10);
        for (var s = 0; s < services; s++)
        {
            yaml.Append($$$"""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: svc{{{s}}}}
                spec:
                  hosts: [svc{{{s}}}]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, labels: {version: v1}}, {address: 127.0.0.2, labels: {version: v2}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: svc{{{s}}}}
                spec:
                  host: svc{{{s}}}
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: svc{{{s}}}}
                spec:
                  hosts: [svc{{{s}}}]
                  http:

                """);
            for (var r = 0; r < 9; r++)
            {
                var match = (r % 4) switch
                {
                    0 => $"uri: {{prefix: /api/v{r}/}}",
                    1 => $"uri: {{exact: /items/{r}}}",
                    2 => $"uri: {{regex: \"/users/[0-9]+/r{r}\"}}",
                    _ => $"headers: {{end-user: {{exact: user{r}}}}}",
                };
                yaml.Append($"  - match: [{{{match}}}]\n    route: [{{destination: {{host: svc{s}, subset: v{1 + (r % 2)}}}}}]\n");
            }

            yaml.Append($"  - route: [{{destination: {{host: svc{s}, subset: v1}}}}]\n---\n");
        }

        return yaml.ToString();
    }
}
