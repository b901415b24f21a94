using System.CommandLine;
using System.Runtime.InteropServices;
using Engine.Config;
using Engine.Hosting;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary><c>engine run --config PATH… --listen HOST:PORT [--namespace NS] [--labels k=v,…]</c>.</summary>
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
        var command = new Command("run", "Run the sidecar proxy") { config, listen, ns, labels, logLevel };
        limits.AddTo(command);
        command.SetAction((result, cancellation) =>
        {
            if (!limits.TryRead(result, out var proxy, out var problem))
            {
                Console.Error.WriteLine($"engine run: {problem}");
                return Task.FromResult(2);
            }

            return RunAsync(result.GetValue(config) ?? [], result.GetValue(listen), result.GetValue(ns)!, result.GetValue(labels), result.GetValue(logLevel)!, proxy, cancellation);
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] configPaths, string? listen, string ns, string? labelText, string logLevel, Engine.Proxy.ProxyOptions proxy, CancellationToken cancellation)
    {
        if (configPaths.Length == 0 || listen is null)
        {
            await Console.Error.WriteLineAsync(GettingStarted).ConfigureAwait(false);
            return 2;
        }

        if (!CommonOptions.TryParseEndpoint(listen, out var endpoint))
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

        try
        {
            await sidecar.ListenAsync(endpoint).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            await Console.Error.WriteLineAsync($"engine: cannot listen on {endpoint}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        var snapshot = load.Snapshot;
        logger.LogInformation(
            "engine {Version} ready on {Endpoint}: {Files} config file(s), {VirtualServices} VirtualService(s), {DestinationRules} DestinationRule(s), {ServiceEntries} ServiceEntry(s), {WorkloadEntries} WorkloadEntry(s), {Clusters} cluster(s)",
            VersionCommand.Version, endpoint, snapshot.Files.Length, snapshot.VirtualServices.Length, snapshot.DestinationRules.Length,
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

        --config takes Istio YAML (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry):
        a file or a folder, repeatable. Check a configuration without running it:

          engine validate --config samples/bookinfo

        See `engine run --help` for every option.
        """;
}
