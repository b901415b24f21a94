using HdrHistogram;

namespace Engine.LoadGen;

/// <summary>What a run measured; written as JSON by <see cref="ResultWriter"/>.</summary>
internal sealed record LoadResult
{
    public required LoadOptions Options { get; init; }

    public double WarmupSeconds { get; init; }

    /// <summary>From the start of measuring to the later of the schedule's end and the last response.</summary>
    public double MeasuredSeconds { get; init; }

    /// <summary>Measured requests the schedule issued.</summary>
    public long Scheduled { get; init; }

    public long CompletedMeasured { get; init; }

    public long CompletedWarmup { get; init; }

    public long BodyBytes { get; init; }

    public long Reconnects { get; init; }

    /// <summary>CPU this generator used for the whole run (all threads): if it nears the run's length, the generator was the limit.</summary>
    public double GeneratorCpuSeconds { get; init; }

    public required IReadOnlyDictionary<string, long> Errors { get; init; }

    public required IReadOnlyDictionary<int, long> StatusCodes { get; init; }

    /// <summary>From the intended send time to the end of the response (what a user waits).</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary>From the actual write to the end of the response.</summary>
    public required LatencySummary ServiceTime { get; init; }

    /// <summary>How late requests were written after their intended time (queueing plus pacing error).</summary>
    public required LatencySummary SendLag { get; init; }

    public double AchievedRps => MeasuredSeconds > 0 ? CompletedMeasured / MeasuredSeconds : 0;

    public long ErrorTotal => Errors.Values.Sum();
}

/// <summary>Percentiles of one histogram, in microseconds.</summary>
internal sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double P9999, double Max, double Mean)
{
    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }

        static double Us(long ns) => ns / 1000.0;
        return new LatencySummary(
            histogram.TotalCount,
            Us(histogram.GetValueAtPercentile(50)),
            Us(histogram.GetValueAtPercentile(90)),
            Us(histogram.GetValueAtPercentile(99)),
            Us(histogram.GetValueAtPercentile(99.9)),
            Us(histogram.GetValueAtPercentile(99.99)),
            Us(histogram.GetMaxValue()),
            histogram.GetMean() / 1000.0);
    }
}
