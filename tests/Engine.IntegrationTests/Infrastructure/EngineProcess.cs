using System.Diagnostics;
using System.Text;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>The `engine` executable as a child process, with its output captured.</summary>
internal sealed class EngineProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();

    private EngineProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static EngineProcess Start(string arguments)
    {
        var (fileName, prefix) = RepoPaths.Engine;
        var info = new ProcessStartInfo(fileName, prefix + arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        return new EngineProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start " + fileName));
    }

    /// <summary>
    /// Starts the native binary through a launcher that execs it (e.g. <c>ip netns exec NS setpriv …</c>),
    /// so the process this object owns is the engine itself.
    /// </summary>
    public static EngineProcess StartNative(IReadOnlyList<string> launcher, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(launcher[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var argument in launcher.Skip(1).Append(RepoPaths.NativeEngine ?? throw new InvalidOperationException("run scripts/publish.sh first")).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return new EngineProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start " + launcher[0]));
    }

    /// <summary>Runs to completion (bounded) and returns the exit code and everything printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string arguments, int timeoutMs = 60_000)
    {
        await using var process = Start(arguments);
        using var cts = new CancellationTokenSource(timeoutMs);
        await process._process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        process._process.WaitForExit(); // drains the asynchronous output readers
        return (process._process.ExitCode, process.Output);
    }

    public Task WaitForOutputAsync(string text, int timeoutMs = 30_000)
        => WaitFor.ConditionAsync(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, timeoutMs, "engine printed: " + text)
            .ContinueWith(t =>
            {
                if (!Output.Contains(text, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"engine exited or never printed '{text}'. Output:\n{Output}");
                }
            }, TaskScheduler.Default);

    /// <summary>Peak resident set size so far (VmHWM), in bytes.</summary>
    public long PeakRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>SIGKILL: the process dies at once, mid-write if it was writing (a crashed upstream).</summary>
    public void Kill() => _process.Kill();

    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();

    public async Task<int> WaitForExitAsync(int timeoutMs = 30_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        _process.WaitForExit(); // drains the asynchronous output readers: the last lines are in Output
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
