using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Engine.Config;
using Engine.Hosting;
using Engine.Interception;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary>
/// <c>engine run --config PATH… [--listen HOST:PORT] [--transparent …] [--namespace NS] [--labels k=v,…]</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config(required: false);
        var listen = new Option<string>("--listen") { Description = "Address to accept traffic on, HOST:PORT (e.g. 127.0.0.1:15001)" };
        var ns = CommonOptions.Namespace();
        var labels = new Option<string>("--labels") { Description = "The sidecar's own labels, k=v,k2=v2 (matched by VirtualService sourceLabels)" };
        var logLevel = CommonOptions.LogLevel();
        var limits = new ProxyLimitOptions();
        var transparent = new TransparentCommandOptions();
        var command = new Command("run", "Run the sidecar proxy") { config, listen, ns, labels, logLevel };
        limits.AddTo(command);
        foreach (var option in transparent.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellation) =>
        {
            if (!limits.TryRead(result, out var proxy, out var problem))
            {
                Console.Error.WriteLine($"engine run: {problem}");
                return Task.FromResult(2);
            }

            var (interception, identity, error) = transparent.Parse(result);
            return error is not null
                ? Fail(error)
                : RunAsync(result.GetValue(config) ?? [], result.GetValue(listen), result.GetValue(ns)!, result.GetValue(labels), result.GetValue(logLevel)!, proxy, interception, identity, cancellation);
        });
        return command;
    }

    private static async Task<int> Fail(string error)
    {
        await Console.Error.WriteLineAsync("engine: " + error).ConfigureAwait(false);
        return 2;
    }

    private static async Task<int> RunAsync(string[] configPaths, string? listen, string ns, string? labelText, string logLevel,
        Engine.Proxy.ProxyOptions proxy, TransparentOptions? interception, (uint Uid, uint Gid)? identity, CancellationToken cancellation)
    {
        if (configPaths.Length == 0 || (listen is null && interception is null))
        {
            await Console.Error.WriteLineAsync(GettingStarted).ConfigureAwait(false);
            return 2;
        }

        // Become the proxy user first: nothing below (config files, sockets) should happen as root.
        if (identity is { } id && ProxyIdentity.Become(id.Uid, id.Gid) is { } identityError)
        {
            return await Fail($"--uid {id.Uid}: {identityError}").ConfigureAwait(false);
        }

        IPEndPoint? endpoint = null;
        if (listen is not null && !CommonOptions.TryParseEndpoint(listen, out endpoint))
        {
            await Console.Error.WriteLineAsync($"engine: --listen '{listen}' is not HOST:PORT (for example 127.0.0.1:15001)").ConfigureAwait(false);
            return 2;
        }

        if (!CommonOptions.TryParseLabels(labelText, out var labels, out var labelError))
        {
            await Console.Error.WriteLineAsync($"engine: --labels: {labelError}").ConfigureAwait(false);
            return 2;
        }

        using var loggerFactory = HostLogging.Create(CommonOptions.ParseLogLevel(logLevel));
        var logger = loggerFactory.CreateLogger("engine");
        var options = new SidecarOptions { ConfigPaths = configPaths, Namespace = ns, Labels = labels, Proxy = proxy };
        await using var sidecar = new Sidecar(options, loggerFactory);

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

        var listening = new List<string>();
        try
        {
            if (endpoint is not null)
            {
                listening.Add((await sidecar.ListenAsync(endpoint).ConfigureAwait(false)).ToString() ?? "?");
            }

            if (interception is not null)
            {
                var ports = await sidecar.ListenTransparentAsync(interception, loggerFactory).ConfigureAwait(false);
                listening.Add($"{ports[0]} (outbound capture), {ports[1]} (inbound capture)");
                if (ProxyIdentity.EffectiveUserId == 0)
                {
                    logger.LogWarning("transparent mode as root: the capture rules exempt the proxy uid (scripts/iptables.sh --proxy-uid, Istio's 1337), so unless root is that uid every upstream connection is captured again; run with --uid 1337 or under setpriv");
                }
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"engine: cannot listen on {endpoint?.ToString() ?? "the capture ports"}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        var snapshot = load.Snapshot;
        logger.LogInformation(
            "engine {Version} ready on {Endpoint}: {Files} config file(s), {VirtualServices} VirtualService(s), {DestinationRules} DestinationRule(s), {ServiceEntries} ServiceEntry(s), {WorkloadEntries} WorkloadEntry(s), {Clusters} cluster(s)",
            VersionCommand.Version, string.Join(", ", listening), snapshot.Files.Length, snapshot.VirtualServices.Length, snapshot.DestinationRules.Length,
            snapshot.ServiceEntries.Length, snapshot.WorkloadEntries.Length, sidecar.Server.Config.Clusters.Count);

        // Live reload: file changes (debounced) and SIGHUP (at once). A broken file keeps the last
        // good configuration serving; each error is logged with its file and line.
        sidecar.WatchConfig();
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            ThreadPool.QueueUserWorkItem(static s => ((Sidecar)s!).Reload(), sidecar);
        });

        await WaitForShutdownAsync(cancellation).ConfigureAwait(false);
        logger.LogInformation(
            "engine: shutting down; allocated {Allocated} bytes in total, GC gen0={Gen0} gen1={Gen1} gen2={Gen2}",
            GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        return 0;
    }

    /// <summary>Returns on SIGTERM, SIGINT or SIGQUIT.</summary>
    internal static async Task WaitForShutdownAsync(CancellationToken cancellation)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
        using var registration = cancellation.Register(() => stop.TrySetResult());
        await stop.Task.ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
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

        See `engine run --help` for every option.
        """;
}
