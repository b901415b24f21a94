using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Engine.Admin;
using Engine.Config.Binding;
using Engine.Hosting;
using Engine.Interception;
using Engine.Telemetry;
using Engine.Telemetry.AccessLogs;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary>
/// <c>engine run --config PATH… [--listen HOST:PORT] [--transparent …] [--namespace NS] [--labels k=v,…] [--locality R/Z/S]
/// [--admin HOST:PORT|none] [--access-log stdout|off|PATH] [--access-log-format text|envoy|json]
/// [--drain-timeout 5s] [--dns-refresh-rate 60s]</c>.
/// </summary>
internal static class RunCommand
{
    /// <summary>Envoy's admin port, loopback only: the admin API can change state.</summary>
    private const string DefaultAdmin = "127.0.0.1:15000";

    public static Command Create()
    {
        var config = CommonOptions.Config(required: false);
        var listen = new Option<string>("--listen") { Description = "Address to accept traffic on, HOST:PORT (e.g. 127.0.0.1:15001)" };
        var ns = CommonOptions.Namespace();
        var labels = new Option<string>("--labels") { Description = "The sidecar's own labels, k=v,k2=v2 (matched by VirtualService sourceLabels)" };
        var locality = new Option<string>("--locality") { Description = "The sidecar's region/zone/subzone, for locality-aware balancing (DestinationRule localityLbSetting; failover needs outlierDetection)" };
        var logLevel = CommonOptions.LogLevel();
        var admin = new Option<string>("--admin") { Description = $"Admin API address, HOST:PORT, or 'none' (default {DefaultAdmin})" };
        var accessLog = new Option<string>("--access-log") { Description = "Access log destination: stdout, off, or a file path", DefaultValueFactory = _ => "stdout" };
        var accessLogFormat = new Option<string>("--access-log-format") { Description = "text (Istio's default), envoy (Envoy's default) or json", DefaultValueFactory = _ => "text" };
        var drainTimeout = new Option<string>("--drain-timeout") { Description = "On SIGTERM, how long in-flight requests get to finish (e.g. 5s, 500ms)", DefaultValueFactory = _ => "5s" };
        var istioCerts = new Option<string>("--istio-certs")
        {
            Description = "Folder of the workload's mesh certificates for ISTIO_MUTUAL and auto mTLS, as Istio mounts them: cert-chain.pem, key.pem, root-cert.pem",
            DefaultValueFactory = _ => Engine.Upstream.Tls.WorkloadCertificates.DefaultDirectory,
        };
        var dnsRefresh = new Option<string>("--dns-refresh-rate") { Description = "How often DNS and DNS_ROUND_ROBIN ServiceEntry names and DYNAMIC_DNS hosts are resolved again (Istio's dnsRefreshRate); 0s: never", DefaultValueFactory = _ => "60s" };
        var limits = new ProxyLimitOptions();
        var transparent = new TransparentCommandOptions();
        var command = new Command("run", "Run the sidecar proxy") { config, listen, ns, labels, locality, logLevel, admin, accessLog, accessLogFormat, drainTimeout, dnsRefresh, istioCerts };
        limits.AddTo(command);
        foreach (var option in transparent.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((result, _) =>
        {
            if (!limits.TryRead(result, out var proxy, out var problem))
            {
                Console.Error.WriteLine($"engine run: {problem}");
                return Task.FromResult(2);
            }

            var (interception, identity, error) = transparent.Parse(result);
            return error is not null
                ? Fail(error)
                : RunAsync(new RunArguments(
                    result.GetValue(config) ?? [],
                    result.GetValue(listen),
                    result.GetValue(ns)!,
                    result.GetValue(labels),
                    result.GetValue(locality),
                    result.GetValue(logLevel)!,
                    result.GetValue(admin),
                    result.GetValue(accessLog)!,
                    result.GetValue(accessLogFormat)!,
                    result.GetValue(drainTimeout)!,
                    result.GetValue(dnsRefresh)!,
                    result.GetValue(istioCerts)!,
                    proxy,
                    interception,
                    identity));
        });
        return command;
    }

    private static async Task<int> Fail(string error)
    {
        await Console.Error.WriteLineAsync("engine: " + error).ConfigureAwait(false);
        return 2;
    }

    private static async Task<int> RunAsync(RunArguments args)
    {
        if (args.ConfigPaths.Length == 0 || (args.Listen is null && args.Interception is null))
        {
            await Console.Error.WriteLineAsync(GettingStarted).ConfigureAwait(false);
            return 2;
        }

        // Become the proxy user first: nothing below (config files, sockets) should happen as root.
        if (args.Identity is { } id && ProxyIdentity.Become(id.Uid, id.Gid) is { } identityError)
        {
            return await Fail($"--uid {id.Uid}: {identityError}").ConfigureAwait(false);
        }

        if (!TryParseArguments(args, out var parsed, out var usageError))
        {
            return await Fail(usageError).ConfigureAwait(false);
        }

        // Signals are taken over before anything listens, so that no SIGTERM is ever fatal.
        using var signals = new ShutdownSignals();
        using var loggerFactory = HostLogging.Create(CommonOptions.ParseLogLevel(args.LogLevel), out var logging);
        var logger = loggerFactory.CreateLogger("engine");

        AccessLog? accessLog;
        try
        {
            accessLog = args.AccessLog == "off" ? null : new AccessLog(AccessLogWriter.Open(args.AccessLog), parsed.AccessLogFormat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"engine: --access-log: cannot open '{args.AccessLog}': {e.Message}").ConfigureAwait(false);
            return 1;
        }

        using var telemetry = new EngineTelemetry(accessLog: accessLog);
        using var youngGeneration = new YoungGenerationKeeper(budgetBytes: 4 << 20, interval: TimeSpan.FromSeconds(1));
        var options = new SidecarOptions { ConfigPaths = args.ConfigPaths, Namespace = args.Namespace, Labels = parsed.Labels, Locality = args.Locality ?? string.Empty, Proxy = args.Proxy, DnsRefreshInterval = parsed.DnsRefresh, IstioCertificates = args.IstioCertificates };
        await using var sidecar = new Sidecar(options, loggerFactory, telemetry: telemetry);

        var load = sidecar.Reload();
        foreach (var diagnostic in load.Diagnostics)
        {
            await Console.Error.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        }

        if (load.Snapshot is null)
        {
            await Console.Error.WriteLineAsync($"engine: configuration has {load.Diagnostics.Count(d => d.IsError)} error(s); not starting").ConfigureAwait(false);
            return 1;
        }

        // The admin listener comes up before the proxy's, so /ready can be probed from the start.
        await using var adminServer = parsed.Admin is null ? null : new AdminServer(sidecar, telemetry, logging, VersionCommand.Version, loggerFactory);
        EndPoint? adminEndpoint = null;
        if (adminServer is not null)
        {
            try
            {
                adminEndpoint = await adminServer.ListenAsync(parsed.Admin!).ConfigureAwait(false);
            }
            catch (Exception e) when (IsListenFailure(e))
            {
                if (args.Admin is not null)
                {
                    await Console.Error.WriteLineAsync($"engine: --admin: cannot listen on {parsed.Admin}: {e.Message}").ConfigureAwait(false);
                    return 1;
                }

                // The default port is best effort: a second engine on the same host still runs.
                logger.LogWarning("admin: cannot listen on {Endpoint} ({Reason}); running without the admin API (pass --admin HOST:PORT or --admin none)", parsed.Admin, e.Message);
            }
        }

        var listening = new List<string>();
        try
        {
            if (parsed.Listen is { } endpoint)
            {
                listening.Add((await sidecar.ListenAsync(endpoint).ConfigureAwait(false)).ToString() ?? "?");
            }

            if (args.Interception is { } interception)
            {
                var ports = await sidecar.ListenTransparentAsync(interception, loggerFactory).ConfigureAwait(false);
                listening.Add($"{ports[0]} (outbound capture), {ports[1]} (inbound capture)");
                if (ProxyIdentity.EffectiveUserId == 0)
                {
                    logger.LogWarning("transparent mode as root: the capture rules exempt the proxy uid (scripts/iptables.sh --proxy-uid, Istio's 1337), so unless root is that uid every upstream connection is captured again; run with --uid 1337 or under setpriv");
                }
            }
        }
        catch (Exception e) when (IsListenFailure(e))
        {
            await Console.Error.WriteLineAsync($"engine: cannot listen on {(object?)parsed.Listen ?? "the capture ports"}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        logger.LogInformation("{Summary}", StartupSummary.Format(
            VersionCommand.Version, listening, adminEndpoint, load.Snapshot, sidecar.Server.Config, load.Warnings.Count(), accessLog));

        // Live reload: file changes (debounced) and SIGHUP (at once). A broken file keeps the last
        // good configuration serving; each error is logged with its file and line.
        sidecar.WatchConfig();
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            ThreadPool.QueueUserWorkItem(static s => ((Sidecar)s!).Reload(), sidecar);
        });

        await signals.Requested.ConfigureAwait(false);
        logger.LogInformation("shutdown requested: draining {Connections} connection(s), up to {Timeout} s", sidecar.Server.ActiveConnections, parsed.DrainTimeout.TotalSeconds);
        var drain = await sidecar.Server.DrainAsync(parsed.DrainTimeout, signals.Forced).ConfigureAwait(false);
        if (drain.ConnectionsCut == 0)
        {
            logger.LogInformation("drain complete in {Ms} ms", (long)drain.Elapsed.TotalMilliseconds);
        }
        else
        {
            logger.LogWarning("drain timeout after {Ms} ms: cut {Count} connection(s) still open", (long)drain.Elapsed.TotalMilliseconds, drain.ConnectionsCut);
        }

        logger.LogInformation(
            "shutting down; allocated {Allocated} bytes in total, GC gen0={Gen0} gen1={Gen1} gen2={Gen2}",
            GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        return 0;
    }

    private static bool IsListenFailure(Exception e)
        => e is System.Net.Sockets.SocketException or IOException or Microsoft.AspNetCore.Connections.AddressInUseException;

    private static bool TryParseArguments(RunArguments args, out ParsedRunArguments parsed, out string error)
    {
        parsed = null!;
        IPEndPoint? listen = null;
        if (args.Listen is not null && !CommonOptions.TryParseEndpoint(args.Listen, out listen))
        {
            error = $"--listen '{args.Listen}' is not HOST:PORT (for example 127.0.0.1:15001)";
            return false;
        }

        if (!CommonOptions.TryParseLabels(args.Labels, out var labels, out var labelError))
        {
            error = "--labels: " + labelError;
            return false;
        }

        if (args.Locality is { } locality && (locality.Length == 0 || locality.Split('/').Length > 3 || locality.Split('/').Any(p => p.Length == 0)))
        {
            error = $"--locality '{locality}' is not region, region/zone or region/zone/subzone";
            return false;
        }

        IPEndPoint? admin = null;
        var adminText = args.Admin ?? DefaultAdmin;
        if (adminText != "none" && !CommonOptions.TryParseEndpoint(adminText, out admin))
        {
            error = $"--admin '{adminText}' is not HOST:PORT or 'none' (for example {DefaultAdmin})";
            return false;
        }

        AccessLogFormat format;
        switch (args.AccessLogFormat)
        {
            case "text": format = AccessLogFormat.Text; break;
            case "envoy": format = AccessLogFormat.Envoy; break;
            case "json": format = AccessLogFormat.Json; break;
            default:
                error = $"--access-log-format '{args.AccessLogFormat}' is not text, envoy or json";
                return false;
        }

        if (!DurationParser.TryParse(args.DrainTimeout, out var drainTimeout, out var durationError) || drainTimeout < TimeSpan.Zero)
        {
            error = $"--drain-timeout '{args.DrainTimeout}': {(durationError.Length > 0 ? durationError : "must not be negative")}";
            return false;
        }

        if (!DurationParser.TryParse(args.DnsRefreshRate, out var dnsRefresh, out var dnsError) || dnsRefresh < TimeSpan.Zero)
        {
            error = $"--dns-refresh-rate '{args.DnsRefreshRate}': {(dnsError.Length > 0 ? dnsError : "must not be negative")}";
            return false;
        }

        parsed = new ParsedRunArguments(listen, labels, admin, format, drainTimeout, dnsRefresh);
        error = string.Empty;
        return true;
    }

    /// <summary>Returns on SIGTERM, SIGINT or SIGQUIT.</summary>
    internal static async Task WaitForShutdownAsync(CancellationToken cancellation)
    {
        using var signals = new ShutdownSignals();
        await signals.Requested.WaitAsync(cancellation).ConfigureAwait(false);
    }

    private const string GettingStarted = """
        engine run needs a configuration and an address to listen on:

          engine run --config samples/bookinfo/mesh --config samples/bookinfo/routes/jason-v2-v3.yaml --listen 127.0.0.1:15001

        or, for traffic redirected by iptables (scripts/iptables.sh install), transparent mode
        as the proxy user the rules exempt:

          engine run --config samples/bookinfo/mesh --transparent --uid 1337

        --config takes Istio YAML (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry):
        a file or a folder, repeatable. Check a configuration without running it:

          engine validate --config samples/bookinfo

        The admin API listens on 127.0.0.1:15000 (/ready, /stats/prometheus, /config_dump, /clusters,
        /logging); the access log goes to stdout (--access-log off turns it off).
        See `engine run --help` for every option.
        """;

    private sealed record RunArguments(
        string[] ConfigPaths, string? Listen, string Namespace, string? Labels, string? Locality, string LogLevel,
        string? Admin, string AccessLog, string AccessLogFormat, string DrainTimeout, string DnsRefreshRate, string IstioCertificates,
        Engine.Proxy.ProxyOptions Proxy, TransparentOptions? Interception, (uint Uid, uint Gid)? Identity);

    private sealed record ParsedRunArguments(
        IPEndPoint? Listen, Dictionary<string, string> Labels, IPEndPoint? Admin, AccessLogFormat AccessLogFormat, TimeSpan DrainTimeout, TimeSpan DnsRefresh);
}
