using Engine.Config;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Transport;
using Engine.Upstream;
using Engine.Upstream.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Tests.Upstream.Dns;

/// <summary>
/// YAML compiled the way the sidecar compiles it, with DNS answered by a <see cref="TableResolver"/>;
/// <see cref="Rebuild"/> compiles the same resources again, as the sidecar does after a DNS change.
/// </summary>
internal sealed class DnsMesh : IDisposable
{
    private readonly ConfigSnapshot _snapshot;
    private readonly RuntimeConfigBuilder _builder;
    private readonly List<ConfigDiagnostic> _diagnostics = [];

    public DnsMesh(string yaml, TableResolver resolver)
    {
        var dir = Directory.CreateTempSubdirectory("engine-dns-");
        try
        {
            var file = Path.Combine(dir.FullName, "mesh.yaml");
            File.WriteAllText(file, yaml);
            var load = ConfigLoader.Load([file], "default");
            Assert.True(load.Succeeded, string.Join("\n", load.Diagnostics));
            _snapshot = load.Snapshot!;
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        Pools = new UpstreamPools(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings())));
        Dns = new DnsServices(resolver, NullLogger.Instance, TimeProvider.System);
        _builder = new RuntimeConfigBuilder(Pools, new ScriptedRandom(), TimeProvider.System, Dns);
        Config = Rebuild();
    }

    public UpstreamPools Pools { get; }

    public DnsServices Dns { get; }

    public RuntimeConfig Config { get; private set; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics => _diagnostics;

    public RuntimeConfig Rebuild()
    {
        var (config, generation) = _builder.Build(_snapshot.VirtualServices, _snapshot.DestinationRules, _snapshot.ServiceEntries, _snapshot.WorkloadEntries,
            new RouteCompileOptions(), _diagnostics.Add);
        generation.Commit();
        Config = config;
        return config;
    }

    public Cluster Cluster(string name) => Config.Clusters[name];

    public void Dispose() => Pools.Dispose();
}
