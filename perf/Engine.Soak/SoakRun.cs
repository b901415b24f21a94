using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Engine.Soak;

/// <summary>
/// The soak: two echo upstreams for the "stable" service, two for "flappy" (killed with SIGKILL
/// and restarted in turn), the AOT engine routing both, its routes file rewritten (sometimes
/// broken) and reloaded under load, closed-loop workers, and a sampler reading the engine's RSS
/// and descriptors once a second. h2c load joins the mix when HTTP/2 lands (issue 9).
/// </summary>
internal sealed class SoakRun(SoakOptions options)
{
    public sealed record Result(
        IReadOnlyList<Sample> Samples,
        IReadOnlyList<double> Restarts,
        Reloads Reloads,
        IReadOnlyDictionary<(string Service, string Cause), long> Outcomes,
        bool EngineSurvived,
        string EngineOutputTail);

    public async Task<Result> RunAsync(TextWriter log)
    {
        var ports = Enumerable.Range(0, 5).Select(_ => FreePort()).ToArray();
        var (stable1, stable2, flappy1, flappy2, proxyPort) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        var config = Directory.CreateTempSubdirectory("engine-soak-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "mesh.yaml"), MeshYaml(("stable", stable1, stable2), ("flappy", flappy1, flappy2))).ConfigureAwait(false);
        var routes = Path.Combine(config, "routes.yaml");
        await File.WriteAllTextAsync(routes, Routes(0)).ConfigureAwait(false);

        var upstreams = new ChildProcess?[4];
        var upstreamPorts = new[] { stable1, stable2, flappy1, flappy2 };
        for (var i = 0; i < upstreams.Length; i++)
        {
            upstreams[i] = await StartEchoAsync(upstreamPorts[i], i).ConfigureAwait(false);
        }

        using var proxy = await ChildProcess.StartAsync(options.EnginePath, $"run --config {config} --listen 127.0.0.1:{proxyPort}", "ready on").ConfigureAwait(false);
        proxy.CountLinesWith("configuration reloaded");
        proxy.CountLinesWith("configuration reload rejected");
        log.WriteLine($"soak: engine pid {proxy.Id} on 127.0.0.1:{proxyPort}, {options.Workers} workers, {options.Duration.TotalSeconds:F0} s, a flappy endpoint restarted every {options.RestartEvery.TotalSeconds:F0} s");

        var outcomes = new ConcurrentDictionary<(string, string), long>();
        var completed = new StrongBox<long>();
        var samples = new List<Sample>();
        var restarts = new List<double>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, options.Workers)
            .Select(i => Task.Run(() => new LoadWorker(new Uri($"http://127.0.0.1:{proxyPort}"), i, outcomes, completed).RunAsync(stop.Token)))
            .ToArray();

        var nextSample = TimeSpan.Zero;
        var nextRestart = options.RestartEvery;
        var nextReload = options.ReloadEvery > TimeSpan.Zero ? options.ReloadEvery : TimeSpan.MaxValue;
        var (reloads, broken) = (0, 0);
        var flappyTurn = 2;
        while (clock.Elapsed < options.Duration && !proxy.HasExited)
        {
            if (clock.Elapsed >= nextSample)
            {
                var (rss, fds) = proxy.Sample();
                samples.Add(new Sample(clock.Elapsed.TotalSeconds, rss / 1048576.0, fds, Interlocked.Read(ref completed.Value)));
                nextSample += TimeSpan.FromSeconds(1);
                if (samples.Count % 30 == 0)
                {
                    log.WriteLine($"soak: {clock.Elapsed.TotalSeconds,5:F0} s  RSS {rss / 1048576.0,6:F1} MiB  fds {fds,4}  requests {Interlocked.Read(ref completed.Value)}");
                }
            }

            if (clock.Elapsed >= nextRestart)
            {
                // Kill one flappy endpoint mid-load, bring it back a moment later; alternate.
                upstreams[flappyTurn]!.Dispose();
                restarts.Add(clock.Elapsed.TotalSeconds);
                await Task.Delay(500).ConfigureAwait(false);
                upstreams[flappyTurn] = await StartEchoAsync(upstreamPorts[flappyTurn], flappyTurn).ConfigureAwait(false);
                flappyTurn = flappyTurn == 2 ? 3 : 2;
                nextRestart += options.RestartEvery;
            }

            if (clock.Elapsed >= nextReload)
            {
                // A new routes file (every third one broken: the last good config must keep
                // serving), picked up by the file watcher and by SIGHUP at once.
                reloads++;
                var text = reloads % 3 == 0 ? "kind: VirtualService\nspec: [unclosed\n" : Routes(reloads);
                broken += reloads % 3 == 0 ? 1 : 0;
                await File.WriteAllTextAsync(routes, text).ConfigureAwait(false);
                proxy.Hangup();
                nextReload += options.ReloadEvery;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        var survived = !proxy.HasExited;
        var reloadOutcome = new Reloads(reloads, broken, proxy.LinesWith("configuration reloaded"), proxy.LinesWith("configuration reload rejected"));
        var tail = proxy.Output;
        foreach (var upstream in upstreams)
        {
            upstream?.Dispose();
        }

        Directory.Delete(config, recursive: true);
        return new Result(samples, restarts, reloadOutcome, new Dictionary<(string, string), long>(outcomes), survived, tail);
    }

    /// <summary>Configuration writes during the run, and what the engine said about them (it reloads on the file change and on SIGHUP, so applied ≥ written good ones).</summary>
    public sealed record Reloads(int Written, int Broken, int Applied, int Rejected);

    /// <summary>
    /// Routes for the two services, varied by <paramref name="version"/> (another match order and
    /// header edit) so each reload compiles a different table; every variant sends every soak
    /// request where it went before.
    /// </summary>
    private static string Routes(int version) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"}name: stable{"}"}
        spec:
          hosts: [stable]
          http:
          - match: [{"{"}uri: {"{"}prefix: /soak/v{version}/{"}"}{"}"}]
            route: [{"{"}destination: {"{"}host: stable{"}"}{"}"}]
          - route: [{"{"}destination: {"{"}host: stable{"}"}, headers: {"{"}request: {"{"}set: {"{"}x-soak-config: "v{version}"{"}"}{"}"}{"}"}{"}"}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"}name: flappy{"}"}
        spec:
          hosts: [flappy]
          http:
          - route: [{"{"}destination: {"{"}host: flappy{"}"}, weight: 100{"}"}]

        """;

    private Task<ChildProcess> StartEchoAsync(int port, int index)
        => ChildProcess.StartAsync(options.EnginePath, $"echo --listen 127.0.0.1:{port} --name {(index < 2 ? "stable" : "flappy")}-{index % 2 + 1}", "listening on");

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>One ServiceEntry per service: port 8080 mapped to two loopback echo endpoints.</summary>
    private static string MeshYaml(params (string Name, int Port1, int Port2)[] services)
        => string.Join("---\n", services.Select(s => $"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {"{"}name: {s.Name}{"}"}
            spec:
              hosts: ["{s.Name}"]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - {"{"}number: 8080, name: http, protocol: HTTP{"}"}
              endpoints:
              - {"{"}address: 127.0.0.1, ports: {"{"}http: {s.Port1}{"}"}{"}"}
              - {"{"}address: 127.0.0.1, ports: {"{"}http: {s.Port2}{"}"}{"}"}

            """));
}
