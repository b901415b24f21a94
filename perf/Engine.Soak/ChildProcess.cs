using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Engine.Soak;

/// <summary>An <c>engine</c> child (the proxy or an echo upstream), with its output kept in a bounded tail.</summary>
internal sealed class ChildProcess : IDisposable
{
    private const int MaxOutputChars = 64 * 1024;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Dictionary<string, int> _lineCounts = new(StringComparer.Ordinal);

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>Starts counting output lines that contain <paramref name="text"/> (the tail above is bounded; counts are not).</summary>
    public void CountLinesWith(string text)
    {
        lock (_output)
        {
            _lineCounts.TryAdd(text, 0);
        }
    }

    public int LinesWith(string text)
    {
        lock (_output)
        {
            return _lineCounts.GetValueOrDefault(text);
        }
    }

    /// <summary>SIGHUP: the engine reloads its configuration at once.</summary>
    public void Hangup() => Process.Start("kill", ["-HUP", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ChildProcess> StartAsync(string engine, string arguments, string readyText)
    {
        var info = new ProcessStartInfo(engine, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var child = new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start " + engine));
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!child.Output.Contains(readyText, StringComparison.Ordinal))
        {
            if (child.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"'{engine} {arguments}' did not print '{readyText}':\n{child.Output}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return child;
    }

    /// <summary>Resident set size (VmRSS) and open descriptors, from /proc; zeros once it has exited.</summary>
    public (long RssBytes, int Descriptors) Sample()
    {
        try
        {
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }

            return (rss, Directory.GetFileSystemEntries($"/proc/{_process.Id}/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    /// <summary>SIGKILL, as a crashing upstream would go.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            foreach (var text in _lineCounts.Keys)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    _lineCounts[text]++;
                }
            }

            _output.AppendLine(line);
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - (MaxOutputChars / 2));
            }
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
