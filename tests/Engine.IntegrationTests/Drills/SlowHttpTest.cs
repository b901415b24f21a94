using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Debian's <c>slowhttptest</c> as a child process: one bounded run against the proxy, and what it
/// reported at the end (the last status block and why the test ended).
/// </summary>
internal sealed partial record SlowHttpTest(string Output, int Connected, int Closed, string ExitStatus)
{
    public static bool Installed => File.Exists("/usr/bin/slowhttptest");

    /// <summary>Runs it with <paramref name="arguments"/> (its own <c>-l</c> bounds the run; killed after <paramref name="limit"/> anyway).</summary>
    public static async Task<SlowHttpTest> RunAsync(string arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo("slowhttptest", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(limit))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        var output = Ansi().Replace(await stdout + await stderr, string.Empty);
        return new SlowHttpTest(output, Last(output, "connected"), Last(output, "closed"), Last(output, "Exit status:", text: true));
    }

    private static int Last(string output, string label)
        => int.TryParse(Last(output, label + ":", text: true), out var value) ? value : -1;

    private static string Last(string output, string label, bool text)
    {
        var at = output.LastIndexOf(label, StringComparison.Ordinal);
        if (at < 0)
        {
            return string.Empty;
        }

        var end = output.IndexOf('\n', at);
        return output[(at + label.Length)..(end < 0 ? output.Length : end)].Trim();
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();
}
