using System.Diagnostics;
using System.Net;
using Engine.Config;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Telemetry;
using Engine.Transport;
using Engine.Upstream;
using Microsoft.Extensions.Logging;

namespace Engine.Hosting;

/// <summary>
/// The sidecar put together: configuration loading and compilation, the proxy server, upstream
/// pools and their housekeeping. <c>engine run</c> and the in-process integration tests both use
/// this, so tests exercise exactly what ships.
/// </summary>
internal sealed class Sidecar : IAsyncDisposable
{
    private readonly SidecarOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly UpstreamPools _pools;
    private readonly RuntimeConfigBuilder _builder;
    private readonly ITimer _sweeper;

    public Sidecar(SidecarOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null, IRandomSource? random = null, EngineTelemetry? telemetry = null)
    {
        Telemetry = telemetry;
        _options = options;
        _time = time ?? TimeProvider.System;
        random ??= SharedRandomSource.Instance;
        _logger = loggerFactory.CreateLogger("engine.config");
        _pools = new UpstreamPools(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(options.Proxy.Transport)));
        _builder = new RuntimeConfigBuilder(_pools, random, _time);
        Server = new ProxyServer(options.Proxy, RuntimeConfig.Empty, loggerFactory, random, telemetry: telemetry);
        _sweeper = _time.CreateTimer(static s => ((Sidecar)s!).Sweep(), this, options.PoolSweepInterval, options.PoolSweepInterval);
    }

    public ProxyServer Server { get; }

    public UpstreamPools Pools => _pools;

    /// <summary>Metrics and access log, when the host set them up (<c>engine run</c> does).</summary>
    public EngineTelemetry? Telemetry { get; }

    /// <summary>The resources the running configuration was built from (for /config_dump); null before the first good load.</summary>
    public ConfigSnapshot? Snapshot { get; private set; }

    /// <summary>
    /// Loads every config path, validates, compiles and publishes. On any error the running
    /// configuration is kept (the last good one) and the errors are returned.
    /// </summary>
    public ConfigLoadResult Reload()
    {
        var result = ConfigLoader.Load(_options.ConfigPaths, _options.Namespace);
        if (result.Snapshot is not { } snapshot)
        {
            Telemetry?.Metrics.ConfigReloadFailed();
            return result;
        }

        var diagnostics = new List<ConfigDiagnostic>();
        var compile = new RouteCompileOptions { ProxyNamespace = _options.Namespace, ProxyLabels = _options.Labels };
        var (config, generation) = _builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries, compile, diagnostics.Add);
        Server.Publish(config);
        generation.Commit();
        Snapshot = snapshot;
        Telemetry?.Metrics.ConfigReloaded();
        return result with { Diagnostics = [.. result.Diagnostics, .. diagnostics] };
    }

    public Task<EndPoint> ListenAsync(EndPoint endpoint) => Server.ListenAsync(endpoint);

    private void Sweep() => _pools.Sweep(Stopwatch.GetTimestamp());

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        _pools.Dispose();
    }
}
