using Engine.Telemetry.Metrics;

namespace Engine.Tests.Telemetry;

public sealed class StripedCountersTests
{
    [Fact]
    public void Increments_FromManyThreads_AreCountedExactly()
    {
        var counters = new StripedCounters(3);
        const int Threads = 8;
        const int PerThread = 50_000;

        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                counters.Increment(0);
                counters.Add(2, 3);
                counters.Increment(1);
                counters.Decrement(1);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(Threads * PerThread, counters.Read(0));
        Assert.Equal(0, counters.Read(1));
        Assert.Equal(3L * Threads * PerThread, counters.Read(2));
    }

    [Fact]
    public void Read_OutOfRange_Throws()
    {
        var counters = new StripedCounters(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => counters.Read(2));
    }

    [Fact]
    public void Increment_AllocatesNothing()
    {
        var counters = new StripedCounters(9);

        Allocations.AssertSteadyStateAllocatesNothing(i => counters.Increment(i % 9));
    }
}
