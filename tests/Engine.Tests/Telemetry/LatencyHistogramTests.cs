using Engine.Telemetry.Metrics;

namespace Engine.Tests.Telemetry;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Buckets_AreEnvoysDefaultBounds_InMilliseconds()
    {
        Assert.Equal(
            [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000],
            LatencyHistogram.BoundsMs);
    }

    [Fact]
    public void Record_PutsAValueOnABound_InThatBucket_AndCountsCumulatively()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordMicroseconds(500);    // le 0.5
        histogram.RecordMicroseconds(501);    // le 1
        histogram.RecordMilliseconds(1);      // le 1
        histogram.RecordMilliseconds(7);      // le 10
        histogram.Record(TimeSpan.FromHours(2)); // +Inf only
        histogram.RecordMicroseconds(-5);     // clock oddity: counted as 0

        var s = histogram.Snapshot();

        Assert.Equal(2, s.Cumulative[0]);
        Assert.Equal(4, s.Cumulative[1]);
        Assert.Equal(4, s.Cumulative[2]);
        Assert.Equal(5, s.Cumulative[3]);
        Assert.Equal(5, s.Cumulative[^1]);
        Assert.Equal(6, s.Count);
        Assert.Equal(0.5 + 0.501 + 1 + 7 + 7_200_000, s.SumMs, precision: 6);
    }

    [Fact]
    public void Record_AllocatesNothing()
    {
        var histogram = new LatencyHistogram();

        Allocations.AssertSteadyStateAllocatesNothing(i => histogram.RecordMicroseconds(i * 37L));
    }
}
