using System.Globalization;

namespace Engine.Soak;

/// <summary>One soak run's settings, from the command line (scripts/soak.sh passes them through).</summary>
internal sealed record SoakOptions
{
    public required string EnginePath { get; init; }

    public required string OutputDirectory { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Closed-loop clients, each on its own keep-alive connection.</summary>
    public int Workers { get; init; } = 16;

    /// <summary>One endpoint of the "flappy" service is killed and restarted this often.</summary>
    public TimeSpan RestartEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The routes file is rewritten (every third time with a broken file) and SIGHUP sent this often; zero: never.</summary>
    public TimeSpan ReloadEvery { get; init; } = TimeSpan.FromSeconds(7);

    /// <summary>RSS slope over the measured tail, in MiB per minute, above which memory is not "flat".</summary>
    public double MaxSlopeMiBPerMinute { get; init; } = 4;

    /// <summary>Share of the run treated as warm-up: the slope is measured over what follows (default: the second half).</summary>
    public double Settle { get; init; } = 0.5;

    /// <summary>Share of requests to the restarted service allowed to fail (those in flight on a killed endpoint).</summary>
    public double MaxFlappyErrorShare { get; init; } = 0.02;

    public static SoakOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.LastIndexOf(args, name); // a later flag wins (soak.sh passes defaults first)
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        double Number(string name, double fallback)
            => Value(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

        var seconds = Value("--seconds") is not null ? Number("--seconds", 300) : Number("--minutes", 5) * 60;
        if (seconds <= 0 || seconds > 24 * 3600)
        {
            throw new ArgumentException("the run must be bounded: --seconds/--minutes between 1 s and 24 h");
        }

        return new SoakOptions
        {
            EnginePath = Value("--engine") ?? throw new ArgumentException("--engine PATH is required"),
            OutputDirectory = Value("--out") ?? Path.Combine("artifacts", "soak"),
            Duration = TimeSpan.FromSeconds(seconds),
            Workers = (int)Number("--workers", 16),
            RestartEvery = TimeSpan.FromSeconds(Number("--restart-every", Math.Clamp(seconds / 12, 3, 30))),
            ReloadEvery = TimeSpan.FromSeconds(Number("--reload-every", Math.Clamp(seconds / 20, 2, 30))),
            MaxSlopeMiBPerMinute = Number("--max-slope", 4),
            Settle = Math.Clamp(Number("--settle", 0.5), 0, 0.9),
            MaxFlappyErrorShare = Number("--max-flappy-errors", 0.02),
        };
    }
}
