using System.Diagnostics;
using System.Net;
using Engine.Config;
using Engine.Interception;
using Engine.Proxy;
using Engine.Routing.Compile;
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
    private readonly UpstreamConnector _connector;
    private readonly UpstreamPools _pools;
    private readonly RuntimeConfigBuilder _builder;
    private readonly ITimer _sweeper;

    public Sidecar(SidecarOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null, IRandomSource? random = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        random ??= SharedRandomSource.Instance;
        _logger = loggerFactory.CreateLogger("engine.config");
        _connector = new UpstreamConnector(SocketTransports.CreateUpstreamFactory(options.Proxy.Transport));
        _pools = new UpstreamPools(_connector);
        _builder = new RuntimeConfigBuilder(_pools, random, _time);
        Server = new ProxyServer(options.Proxy, RuntimeConfig.Empty, loggerFactory, random);
        _sweeper = _time.CreateTimer(static s => ((Sidecar)s!).Sweep(), this, options.PoolSweepInterval, options.PoolSweepInterval);
    }

    public ProxyServer Server { get; }

    public UpstreamPools Pools => _pools;

    /// <summary>
    /// Loads every config path, validates, compiles and publishes. On any error the running
    /// configuration is kept (the last good one) and the errors are returned.
    /// </summary>
    public ConfigLoadResult Reload()
    {
        var result = ConfigLoader.Load(_options.ConfigPaths, _options.Namespace);
        if (result.Snapshot is not { } snapshot)
        {
            return result;
        }

        var diagnostics = new List<ConfigDiagnostic>();
        var compile = new RouteCompileOptions { ProxyNamespace = _options.Namespace, ProxyLabels = _options.Labels };
        var (config, generation) = _builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries, compile, diagnostics.Add);
        Server.Publish(config);
        generation.Commit();
        return result with { Diagnostics = [.. result.Diagnostics, .. diagnostics] };
    }

    public Task<EndPoint> ListenAsync(EndPoint endpoint) => Server.ListenAsync(endpoint);

    /// <summary>Binds the outbound and inbound capture listeners of transparent mode (Engine.Interception).</summary>
    public Task<IReadOnlyList<EndPoint>> ListenTransparentAsync(TransparentOptions options, ILoggerFactory loggerFactory)
        => TransparentListeners.StartAsync(Server, _connector, options, loggerFactory);

    private void Sweep() => _pools.Sweep(Stopwatch.GetTimestamp());

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        _pools.Dispose();
    }
}
