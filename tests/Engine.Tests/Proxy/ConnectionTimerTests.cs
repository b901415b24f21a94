using System.IO.Pipelines;
using Engine.Proxy;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Proxy;

/// <summary>
/// The downstream connection's timer moves its runtime timer only when a deadline comes earlier:
/// it must still expire exactly the wait armed last, at its own deadline, never an old one's,
/// and never after a disarm.
/// </summary>
public sealed class ConnectionTimerTests
{
    [Fact]
    public async Task ReArmedLater_ExpiresAtTheNewDeadline_NotTheFirst()
    {
        var (time, pipe, timer) = Create();
        timer.Arm(ConnectionWait.RequestHead, TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(6));
        timer.Arm(ConnectionWait.NextRequest, TimeSpan.FromSeconds(10)); // due at 16 s

        time.Advance(TimeSpan.FromSeconds(5)); // 11 s: the first deadline passed, the armed one not
        Assert.Equal(ConnectionWait.None, timer.Fired);
        Assert.False(await IsCanceledAsync(pipe));

        time.Advance(TimeSpan.FromSeconds(5)); // 16 s
        Assert.Equal(ConnectionWait.NextRequest, timer.Fired);
        Assert.True(await IsCanceledAsync(pipe));
    }

    [Fact]
    public async Task ReArmedEarlier_ExpiresAtTheEarlierDeadline()
    {
        var (time, pipe, timer) = Create();
        timer.Arm(ConnectionWait.NextRequest, TimeSpan.FromHours(1));
        timer.Arm(ConnectionWait.RequestHead, TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ConnectionWait.RequestHead, timer.Fired);
        Assert.True(await IsCanceledAsync(pipe));
    }

    [Fact]
    public async Task Disarmed_NeverExpires_AndArmingAgainCountsFromThen()
    {
        var (time, pipe, timer) = Create();
        timer.Arm(ConnectionWait.RequestHead, TimeSpan.FromSeconds(1));
        timer.Disarm();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(ConnectionWait.None, timer.Fired);
        Assert.False(await IsCanceledAsync(pipe));

        // Many requests on a keep-alive connection: armed and disarmed in turn, a second apart,
        // for longer than the idle timeout in all; none of them waited that long.
        for (var i = 0; i < 30; i++)
        {
            timer.Arm(ConnectionWait.NextRequest, TimeSpan.FromSeconds(10));
            time.Advance(TimeSpan.FromSeconds(1));
            timer.Disarm();
        }

        Assert.Equal(ConnectionWait.None, timer.Fired);
        timer.Arm(ConnectionWait.NextRequest, TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(ConnectionWait.None, timer.Fired);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ConnectionWait.NextRequest, timer.Fired);
    }

    [Fact]
    public void ArmedWithoutALimit_NeverExpires()
    {
        var (time, _, timer) = Create();
        timer.Arm(ConnectionWait.RequestHead, TimeSpan.FromSeconds(1));
        timer.Arm(ConnectionWait.NextRequest, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(ConnectionWait.None, timer.Fired);

        // A timeout too long for a timestamp deadline is no limit either, not an overflow that
        // expires at once.
        timer.Arm(ConnectionWait.NextRequest, TimeSpan.MaxValue);
        time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(ConnectionWait.None, timer.Fired);
    }

    private static (FakeTimeProvider Time, Pipe Pipe, ConnectionTimer Timer) Create()
    {
        var time = new FakeTimeProvider();
        var pipe = new Pipe();
        return (time, pipe, new ConnectionTimer(time, pipe.Reader));
    }

    /// <summary>Whether the timer cancelled the pending read (a read started now completes at once, canceled, if so).</summary>
    private static async Task<bool> IsCanceledAsync(Pipe pipe)
    {
        var read = pipe.Reader.ReadAsync();
        if (!read.IsCompleted)
        {
            pipe.Reader.CancelPendingRead(); // clean up: end the read
            await read;
            return false;
        }

        var result = await read;
        pipe.Reader.AdvanceTo(result.Buffer.Start);
        return result.IsCanceled;
    }
}
