using Engine.Config;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Tests.Upstream;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Tests.Interception;

/// <summary>A configuration compiled from YAML the way the sidecar compiles it (nothing listens).</summary>
internal static class CompiledMesh
{
    public static RuntimeConfig Build(string yaml, IRandomSource? random = null, RouteCompileOptions? options = null) => Build(yaml, diagnostics: null, random, options);

    /// <param name="diagnostics">Receives the compiler's warnings; null: any warning fails the test.</param>
    public static RuntimeConfig Build(string yaml, List<ConfigDiagnostic>? diagnostics, IRandomSource? random = null, RouteCompileOptions? options = null)
    {
        var dir = Directory.CreateTempSubdirectory("engine-intercept-");
        try
        {
            var file = Path.Combine(dir.FullName, "mesh.yaml");
            File.WriteAllText(file, yaml);
            var load = ConfigLoader.Load([file], "default");
            Assert.True(load.Succeeded, string.Join("\n", load.Diagnostics));
            var snapshot = load.Snapshot!;
            var pools = new UpstreamPools(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings())));
            var builder = new RuntimeConfigBuilder(pools, random ?? new ScriptedRandom(), TimeProvider.System);
            var (config, _) = builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries,
                options ?? new RouteCompileOptions(), d =>
                {
                    if (diagnostics is null)
                    {
                        Assert.Fail("unexpected diagnostic: " + d);
                    }

                    diagnostics.Add(d);
                });
            return config;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
