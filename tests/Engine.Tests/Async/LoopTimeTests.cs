using System.Diagnostics;
using Engine.Async;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Async;

/// <summary>
/// The batch clock of the event-loop threads: on a loop thread it stands still between refreshes
/// (every request of a batch reads the one time), elsewhere it is the clock itself, and a test's
/// clock is never replaced by it. Each case runs on a thread of its own: a refresh marks the
/// calling thread as a loop thread for good, which no test-runner thread may be left as.
/// </summary>
public sealed class LoopTimeTests
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void OnALoopThread_TheTimeStandsStill_UntilTheNextRefresh()
    {
        RunOnOwnThread(() =>
        {
            LoopTime.Refresh();
            var first = LoopTime.GetTimestamp();
            var firstUtc = LoopTime.GetUtcNow(TimeProvider.System);
            Thread.Sleep(Pause);
            Assert.Equal(first, LoopTime.GetTimestamp());
            Assert.Equal(first, LoopTime.GetTimestamp(TimeProvider.System));
            Assert.Equal(firstUtc, LoopTime.GetUtcNow(TimeProvider.System));

            LoopTime.Refresh();
            Assert.True(Stopwatch.GetElapsedTime(first, LoopTime.GetTimestamp()) >= Pause - TimeSpan.FromMilliseconds(1));
            Assert.True(LoopTime.GetUtcNow(TimeProvider.System) - firstUtc >= Pause - TimeSpan.FromMilliseconds(1));
        });
    }

    [Fact]
    public void OffALoopThread_ItIsTheClock()
    {
        RunOnOwnThread(() =>
        {
            var first = LoopTime.GetTimestamp();
            Thread.Sleep(Pause);
            Assert.True(Stopwatch.GetElapsedTime(first, LoopTime.GetTimestamp()) >= Pause - TimeSpan.FromMilliseconds(1));

            var utc = LoopTime.GetUtcNow(TimeProvider.System);
            Assert.InRange(TimeProvider.System.GetUtcNow() - utc, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        });
    }

    [Fact]
    public void ATestClock_IsAlwaysReadItself_EvenOnALoopThread()
    {
        RunOnOwnThread(() =>
        {
            var fake = new FakeTimeProvider(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero));
            LoopTime.Refresh();
            fake.Advance(TimeSpan.FromMinutes(3));
            Assert.Equal(fake.GetUtcNow(), LoopTime.GetUtcNow(fake));
            Assert.Equal(fake.GetTimestamp(), LoopTime.GetTimestamp(fake));
        });
    }

    private static void RunOnOwnThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(20)), "the test thread did not finish");
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"on the test's own thread: {failure}");
        }
    }
}
