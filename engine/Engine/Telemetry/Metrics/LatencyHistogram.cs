namespace Engine.Telemetry.Metrics;

/// <summary>
/// A duration histogram with Envoy's default bucket bounds (milliseconds), updated without a
/// lock or an allocation: one striped counter per bucket plus the sum in microseconds.
/// Exported as a Prometheus histogram in milliseconds, as Envoy exports <c>*_rq_time</c>.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>
    /// Envoy's default histogram buckets (<c>Stats::HistogramSettingsImpl::defaultBuckets</c>), in
    /// microseconds so that the hot path compares integers.
    /// </summary>
    private static readonly long[] BoundsUs =
    [
        500, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
        300_000_000, 600_000_000, 1_800_000_000, 3_600_000_000,
    ];

    // Cells: one per bound, one for +Inf, then the sum.
    private readonly StripedCounters _cells = new(BoundsUs.Length + 2);

    private static int SumIndex => BoundsUs.Length + 1;

    /// <summary>Upper bounds in milliseconds, for the exporter's <c>le</c> labels.</summary>
    public static IEnumerable<double> BoundsMs => BoundsUs.Select(b => b / 1000.0);

    public static int BucketCount => BoundsUs.Length;

    public void Record(TimeSpan duration) => RecordMicroseconds(duration.Ticks / TimeSpan.TicksPerMicrosecond);

    public void RecordMilliseconds(long milliseconds) => RecordMicroseconds(milliseconds * 1000);

    public void RecordMicroseconds(long us) => RecordMicroseconds(us, StripedCounters.CurrentStripe());

    /// <param name="stripe">From <see cref="StripedCounters.CurrentStripe"/>, taken once by a caller that records several values.</param>
    public void Record(TimeSpan duration, int stripe) => RecordMicroseconds(duration.Ticks / TimeSpan.TicksPerMicrosecond, stripe);

    /// <param name="stripe">See <see cref="Record(TimeSpan, int)"/>.</param>
    public void RecordMilliseconds(long milliseconds, int stripe) => RecordMicroseconds(milliseconds * 1000, stripe);

    /// <param name="stripe">See <see cref="Record(TimeSpan, int)"/>.</param>
    public void RecordMicroseconds(long us, int stripe)
    {
        if (us < 0)
        {
            us = 0;
        }

        // Almost every proxied request lands in the first buckets: a linear scan beats a search.
        var bucket = 0;
        while (bucket < BoundsUs.Length && us > BoundsUs[bucket])
        {
            bucket++;
        }

        _cells.Increment(stripe, bucket);
        _cells.Add(stripe, SumIndex, us);
    }

    /// <summary>A consistent-enough copy for export: cumulative counts per bound, the count and the sum in ms.</summary>
    public HistogramSnapshot Snapshot()
    {
        var cumulative = new long[BoundsUs.Length];
        long running = 0;
        for (var i = 0; i < BoundsUs.Length; i++)
        {
            running += _cells.Read(i);
            cumulative[i] = running;
        }

        running += _cells.Read(BoundsUs.Length);
        return new HistogramSnapshot(cumulative, running, _cells.Read(SumIndex) / 1000.0);
    }
}

/// <summary>Cumulative bucket counts (same order as <see cref="LatencyHistogram.BoundsMs"/>), total count, sum in ms.</summary>
internal sealed record HistogramSnapshot(long[] Cumulative, long Count, double SumMs);
