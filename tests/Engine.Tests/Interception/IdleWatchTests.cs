using Engine.Interception;

namespace Engine.Tests.Interception;

public sealed class IdleWatchTests
{
    [Fact]
    public void Activity_PostponesTheTimeout_ByWhatIsLeft()
    {
        var time = new ManualTimeProvider();
        using var cancel = new CancellationTokenSource();
        using var watch = new IdleWatch(TimeSpan.FromSeconds(10), time, cancel);

        time.Advance(TimeSpan.FromSeconds(6));
        watch.Touch();
        time.Advance(TimeSpan.FromSeconds(5)); // timer due at 10 s: idle only 5 s, re-armed for 5 more
        Assert.False(cancel.IsCancellationRequested);

        time.Advance(TimeSpan.FromSeconds(6)); // 11 s since the last byte
        Assert.True(cancel.IsCancellationRequested);
        Assert.True(watch.Fired);
    }

    [Fact]
    public void InfiniteTimeout_NeverFires()
    {
        var time = new ManualTimeProvider();
        using var cancel = new CancellationTokenSource();
        using var watch = new IdleWatch(Timeout.InfiniteTimeSpan, time, cancel);

        time.Advance(TimeSpan.FromDays(365));

        Assert.False(cancel.IsCancellationRequested);
    }
}
