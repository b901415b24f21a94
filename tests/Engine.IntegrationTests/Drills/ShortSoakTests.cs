using System.Diagnostics;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// The CI slice of scripts/soak.sh: 70 s of mixed HTTP/1.1 load through the native binary with
/// upstream endpoints killed and restarted and routes reloaded (some broken), judged by the soak's
/// own verdict (no unexpected errors, restarted-service errors within bounds, reloads applied and
/// broken ones rejected, RSS flat after warm-up).
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ShortSoakTests
{
    [SkippableFact]
    public async Task ShortSoak_MixedLoadWithUpstreamRestarts_NoUnexpectedErrors_MemoryFlat()
    {
        var engine = Path.Combine(RepoPaths.Root, "artifacts", "engine");
        var soak = Path.Combine(RepoPaths.Root, "perf", "Engine.Soak", "bin", "Release", "net10.0", "engine-soak.dll");
        Skip.IfNot(File.Exists(engine), "the soak runs the native binary: scripts/publish.sh (scripts/test.sh does it)");
        Skip.IfNot(File.Exists(soak), "build perf/Engine.Soak in Release (scripts/test.sh builds Engine.sln)");

        // RSS climbs to its working size over the first ~7 restarts and reloads (pools, GC budget),
        // then stays flat: restarting every 3 s gets there in ~40 s, so the slope is measured over
        // the last 40 % of 70 s. That is short for a slope, so the bound is looser than soak.sh's
        // 4 MiB/min default; a leak of even 100 bytes per request would show as ~25 MiB/min here.
        var info = new ProcessStartInfo("bash", ["scripts/soak.sh", "--no-build", "--seconds", "70", "--restart-every", "3", "--reload-every", "3", "--settle", "0.6", "--max-slope", "10", "--out", "artifacts/soak-ci"])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);

        Assert.True(process.ExitCode == 0, $"soak failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
    }
}
