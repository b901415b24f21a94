using System.Text;
using Engine.Config;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="ConfigLoader.LoadText"/> on arbitrary text (a user's YAML can be anything; a bad file
/// must never take the proxy down). Oracles: no exception from loading, validating or compiling;
/// a failed load says why (at least one error, every diagnostic with a message); the same text
/// gives the same diagnostics twice; a valid snapshot compiles into a runtime config.
/// </summary>
internal sealed class ConfigLoaderTarget : IFuzzTarget
{
    private readonly UpstreamPools _pools = new(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings())));
    private readonly RuntimeConfigBuilder _builder;

    public ConfigLoaderTarget()
    {
        _builder = new RuntimeConfigBuilder(_pools, new FixedRandom(), TimeProvider.System);
    }

    public string Name => "config";

    public string Description => "YAML config loader (Istio resources): diagnostics not exceptions, deterministic, valid snapshots compile";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var result = ConfigLoader.LoadText(text, "fuzz.yaml", "default");
        OracleViolation.Check(result.Snapshot is not null || result.Errors.Any(), "no snapshot and no error");
        OracleViolation.Check(result.Diagnostics.All(d => !string.IsNullOrEmpty(d.Message)), "a diagnostic without a message");
        var again = ConfigLoader.LoadText(text, "fuzz.yaml", "default");
        OracleViolation.Check(result.Diagnostics.Select(d => d.ToString()).SequenceEqual(again.Diagnostics.Select(d => d.ToString())), "diagnostics differ between two loads of the same text");
        if (result.Snapshot is { } snapshot)
        {
            var compile = new RouteCompileOptions { ProxyNamespace = "default", ProxyLabels = new Dictionary<string, string>() };
            var (_, generation) = _builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries, compile, _ => { });
            generation.Commit();
        }
    }

    /// <summary>Compiling needs a random source for balancers; the fuzzer needs it deterministic.</summary>
    private sealed class FixedRandom : IRandomSource
    {
        public int Next(int maxExclusive) => 0;

        public double NextDouble() => 0;
    }
}
