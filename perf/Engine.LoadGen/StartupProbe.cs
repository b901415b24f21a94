using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Engine.LoadGen;

/// <summary>
/// Measures a server's start-to-ready time: from just before the process is started to the
/// first accepted TCP connection on its port, polled every 100 µs. Also samples its resident
/// memory when ready and after a second idle, then stops it with SIGTERM. Repeated; medians quoted.
/// </summary>
internal static partial class StartupProbe
{
    private const int SigTerm = 15;

    public static async Task<int> RunAsync(IPEndPoint endpoint, string[] command, int runs, TimeSpan timeout, string? jsonPath, TextWriter output)
    {
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw new LoadGenException($"--connect {endpoint} is not a loopback address");
        }

        var samples = new List<(double ReadyMs, long RssReadyKb, long RssIdleKb)>();
        for (var run = 0; run < runs; run++)
        {
            if (CanConnect(endpoint))
            {
                throw new LoadGenException($"something already listens on {endpoint}; stop it first");
            }

            var start = new ProcessStartInfo(command[0])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in command.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }

            var t0 = Stopwatch.GetTimestamp();
            using var process = Process.Start(start) ?? throw new LoadGenException($"cannot start {command[0]}");
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var deadline = t0 + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                double readyMs = -1;
                while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
                {
                    if (CanConnect(endpoint))
                    {
                        readyMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        break;
                    }

                    PreciseSleep.Until(Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10_000));
                }

                if (readyMs < 0)
                {
                    throw new LoadGenException($"{command[0]} did not accept on {endpoint} within {timeout.TotalSeconds:F0} s{(process.HasExited ? $" (exited with {process.ExitCode})" : string.Empty)}");
                }

                var rssReady = ReadRssKb(process.Id);
                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                var rssIdle = ReadRssKb(process.Id);
                samples.Add((readyMs, rssReady, rssIdle));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: ready in {readyMs:F1} ms, RSS {rssReady / 1024.0:F1} MB at ready, {rssIdle / 1024.0:F1} MB after 1 s idle"));
            }
            finally
            {
                await StopAsync(process).ConfigureAwait(false);
            }
        }

        var ready = Median(samples.Select(s => s.ReadyMs));
        var idle = Median(samples.Select(s => (double)s.RssIdleKb));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median of {runs}: ready in {ready:F1} ms, idle RSS {idle / 1024.0:F1} MB"));
        if (jsonPath is not null)
        {
            await using var file = File.Create(jsonPath);
            using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("tool", "engine-loadgen startup");
            json.WriteString("command", string.Join(' ', command));
            json.WriteNumber("ready_ms_median", Math.Round(ready, 2));
            json.WriteNumber("idle_rss_kb_median", idle);
            json.WriteStartArray("runs");
            foreach (var (readyMs, rssReady, rssIdle) in samples)
            {
                json.WriteStartObject();
                json.WriteNumber("ready_ms", Math.Round(readyMs, 2));
                json.WriteNumber("rss_kb_ready", rssReady);
                json.WriteNumber("rss_kb_idle", rssIdle);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return 0;
    }

    private static bool CanConnect(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static long ReadRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            _ = Kill(process.Id, SigTerm);
        }
        else
        {
            process.Kill();
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
