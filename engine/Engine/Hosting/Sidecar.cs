using System.Diagnostics;
using System.Net;
using Engine.Config;
using Engine.Interception;
using Engine.Proxy;
using Engine.Routing.Compile;
using Engine.Telemetry;
using Engine.Transport;
using Engine.Upstream;
using Engine.Upstream.Dns;
using Microsoft.Extensions.Logging;

namespace Engine.Hosting;

/// <summary>
/// The sidecar put together: configuration loading and compilation, the proxy server, upstream
/// pools and their housekeeping, and the DNS refresher that rebuilds the clusters when the addresses
/// behind a DNS ServiceEntry change. <c>engine run</c> and the in-process integration tests both use
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
    private readonly DnsRefresher? _dnsRefresher;
    private readonly Lock _reloadLock = new();
    private ConfigLoadResult? _lastLoad;
    private ConfigSnapshot? _snapshot;
    private ConfigWatcher? _watcher;
    private int _reloads;
    private int _reloadFailures;

    public Sidecar(SidecarOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null, IRandomSource? random = null, IRequestTelemetry? telemetry = null, IHostNameResolver? resolver = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        random ??= SharedRandomSource.Instance;
        _logger = loggerFactory.CreateLogger("engine.config");
        _connector = new UpstreamConnector(SocketTransports.CreateUpstreamFactory(options.Proxy.Transport));
        _pools = new UpstreamPools(_connector);
        var dnsLogger = loggerFactory.CreateLogger("engine.dns");
        Dns = new DnsServices(resolver ?? SystemHostNameResolver.Instance, dnsLogger, _time);
        _builder = new RuntimeConfigBuilder(_pools, random, _time, Dns);
        Server = new ProxyServer(options.Proxy, RuntimeConfig.Empty, loggerFactory, random, _time, telemetry);
        _sweeper = _time.CreateTimer(static s => ((Sidecar)s!).Sweep(), this, options.PoolSweepInterval, options.PoolSweepInterval);
        if (options.DnsRefreshInterval > TimeSpan.Zero)
        {
            _dnsRefresher = new DnsRefresher(Dns, options.DnsRefreshInterval, _time, dnsLogger, () => RepublishForDns(dnsLogger));
        }
    }

    /// <summary>The DNS caches behind DNS and DYNAMIC_DNS ServiceEntries.</summary>
    public DnsServices Dns { get; }

    /// <summary>The background refresher (null when refreshing is off); tests call <see cref="DnsRefresher.RefreshAsync"/> to refresh now.</summary>
    public DnsRefresher? DnsRefresher => _dnsRefresher;

    public ProxyServer Server { get; }

    public UpstreamPools Pools => _pools;

    /// <summary>The resources the running configuration was built from (for /config_dump); null before the first good load.</summary>
    public ConfigSnapshot? Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The outcome of the last load (successful or not).</summary>
    public ConfigLoadResult? LastLoad => Volatile.Read(ref _lastLoad);

    /// <summary>Successful reloads after the first load.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Loads that failed and left the previous configuration serving.</summary>
    public int ReloadFailures => Volatile.Read(ref _reloadFailures);

    /// <summary>
    /// Loads every config path, validates, compiles off to the side and publishes with one
    /// reference write; requests in flight finish on the table they started with. On any error the
    /// running configuration stays (the last good one) and every error is logged with its file and
    /// line. Serialised: a reload never runs concurrently with another.
    /// </summary>
    public ConfigLoadResult Reload()
    {
        lock (_reloadLock)
        {
            var first = _lastLoad is null;
            var result = ConfigLoader.Load(_options.ConfigPaths, _options.Namespace);
            if (result.Snapshot is not { } snapshot)
            {
                // The outcome first, then the counter: whoever sees the count sees its errors.
                Volatile.Write(ref _lastLoad, result);
                if (!first)
                {
                    Interlocked.Increment(ref _reloadFailures);
                    foreach (var error in result.Errors)
                    {
                        SidecarLog.ReloadError(_logger, error.ToString());
                    }

                    SidecarLog.ReloadRejected(_logger, result.Errors.Count(), Server.Config.Version);
                }

                return result;
            }

            var diagnostics = new List<ConfigDiagnostic>();
            var config = Publish(snapshot, diagnostics.Add);
            Volatile.Write(ref _snapshot, snapshot);
            result = result with { Diagnostics = [.. result.Diagnostics, .. diagnostics] };
            Volatile.Write(ref _lastLoad, result);
            if (!first)
            {
                Interlocked.Increment(ref _reloads);
                foreach (var warning in result.Warnings)
                {
                    SidecarLog.ReloadWarning(_logger, warning.ToString());
                }

                SidecarLog.Reloaded(_logger, config.Version, snapshot.ResourceCount, snapshot.Files.Length);
            }

            return result;
        }
    }

    private RuntimeConfig Publish(ConfigSnapshot snapshot, Action<ConfigDiagnostic> report)
    {
        var compile = new RouteCompileOptions { ProxyNamespace = _options.Namespace, ProxyLabels = _options.Labels, ProxyLocality = _options.Locality, IstioCertificates = _options.IstioCertificates };
        var (config, generation) = _builder.Build(snapshot.VirtualServices, snapshot.DestinationRules, snapshot.ServiceEntries, snapshot.WorkloadEntries, compile, report);
        Server.Publish(config);
        generation.Commit();
        return config;
    }

    /// <summary>
    /// The addresses behind a DNS ServiceEntry changed: the running resources are compiled again
    /// (the registry reads the new answers from the cache, no lookups) and published the way a
    /// reload is. Endpoints, pools and outlier state of addresses that stayed carry over. Their
    /// warnings were reported when the files were loaded, so they are not repeated here.
    /// </summary>
    private void RepublishForDns(ILogger logger)
    {
        lock (_reloadLock)
        {
            if (Volatile.Read(ref _snapshot) is not { } snapshot)
            {
                return;
            }

            var config = Publish(snapshot, static _ => { });
            DnsLog.Republished(logger, config.Version);
        }
    }

    /// <summary>Starts reloading when a config file changes, is added or removed (within a second).</summary>
    public void WatchConfig()
    {
        // The workload certificates too: a rotated certificate is taken up by the reload it causes.
        var watched = Directory.Exists(_options.IstioCertificates) ? _options.ConfigPaths.Append(_options.IstioCertificates) : _options.ConfigPaths;
        _watcher ??= new ConfigWatcher(watched, _options.ReloadQuietPeriod, _time, () => Reload());
    }

    public Task<EndPoint> ListenAsync(EndPoint endpoint) => Server.ListenAsync(endpoint);

    /// <summary>Binds the outbound and inbound capture listeners of transparent mode (Engine.Interception).</summary>
    public Task<IReadOnlyList<EndPoint>> ListenTransparentAsync(TransparentOptions options, ILoggerFactory loggerFactory)
        => TransparentListeners.StartAsync(Server, _connector, options, loggerFactory);

    private void Sweep() => _pools.Sweep(Stopwatch.GetTimestamp());

    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        if (_dnsRefresher is not null)
        {
            await _dnsRefresher.DisposeAsync().ConfigureAwait(false);
        }

        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
        _pools.Dispose();
    }
}
