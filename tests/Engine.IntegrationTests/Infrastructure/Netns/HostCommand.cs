using System.Diagnostics;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>Runs a short command to completion (bounded), capturing what it printed.</summary>
internal static class HostCommand
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyList<string> command, int timeoutMs = 30_000, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + command[0]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish in {timeoutMs} ms");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and fails the test with the command's output unless it exits 0.</summary>
    public static async Task<string> CheckAsync(params string[] command)
    {
        var (code, stdout, stderr) = await RunAsync(command);
        if (code != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', command)}` exited {code}: {stdout}{stderr}");
        }

        return stdout;
    }

    public static bool Exists(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
