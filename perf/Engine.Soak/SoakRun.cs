using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Engine.Soak;

/// <summary>
/// The soak: two echo upstreams for the "stable" service, two for "flappy" (killed with SIGKILL
/// and restarted in turn), the AOT engine routing both, closed-loop workers, and a sampler
/// reading the engine's RSS and descriptors once a second. Config reloads and h2c join the mix
/// when live reload and HTTP/2 land (issue 9).
/// </summary>
internal sealed class SoakRun(SoakOptions options)
{
    public sealed record Result(
        IReadOnlyList<Sample> Samples,
        IReadOnlyList<double> Restarts,
        IReadOnlyDictionary<(string Service, string Cause), long> Outcomes,
        bool EngineSurvived,
        string EngineOutputTail);

    public async Task<Result> RunAsync(TextWriter log)
    {
        var ports = Enumerable.Range(0, 5).Select(_ => FreePort()).ToArray();
        var (stable1, stable2, flappy1, flappy2, proxyPort) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        var config = Directory.CreateTempSubdirectory("engine-soak-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "mesh.yaml"), MeshYaml(("stable", stable1, stable2), ("flappy", flappy1, flappy2))).ConfigureAwait(false);

        var upstreams = new ChildProcess?[4];
        var upstreamPorts = new[] { stable1, stable2, flappy1, flappy2 };
        for (var i = 0; i < upstreams.Length; i++)
        {
            upstreams[i] = await StartEchoAsync(upstreamPorts[i], i).ConfigureAwait(false);
        }

        using var proxy = await ChildProcess.StartAsync(options.EnginePath, $"run --config {config} --listen 127.0.0.1:{proxyPort}", "ready on").ConfigureAwait(false);
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

            await Task.Delay(50).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        var survived = !proxy.HasExited;
        var tail = proxy.Output;
        foreach (var upstream in upstreams)
        {
            upstream?.Dispose();
        }

        Directory.Delete(config, recursive: true);
        return new Result(samples, restarts, new Dictionary<(string, string), long>(outcomes), survived, tail);
    }

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
