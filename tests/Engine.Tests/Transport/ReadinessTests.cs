using System.Runtime.CompilerServices;
using Engine.Transport.Epoll;

namespace Engine.Tests.Transport;

/// <summary>
/// A socket direction's readiness under edge-triggered epoll: an edge is never lost (one that
/// came before the wait answers it at once, one that comes during it resumes the waiter inline on
/// the signalling thread), a close answers false to the parked waiter and every later one, and an
/// edge racing a wait from another thread never leaves the waiter parked.
/// </summary>
public sealed class ReadinessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AnEdgeBeforeTheWait_AnswersItAtOnce_AndOnlyOnce()
    {
        var readiness = new Readiness();
        readiness.Signal();
        readiness.Signal(); // edges do not add up: one is kept

        var first = WaitOnce(readiness);
        Assert.True(first.IsCompleted);
        Assert.True(await first);

        var second = WaitOnce(readiness);
        Assert.False(second.IsCompleted);
        readiness.Close();
        Assert.False(await second);
    }

    [Fact]
    public void AnEdgeDuringTheWait_ResumesTheWaiter_InlineOnTheSignallingThread()
    {
        var readiness = new Readiness();
        var resumedOn = -1;
        var answer = false;
        var waiter = WaitAndRecord(readiness, r =>
        {
            answer = r;
            resumedOn = Environment.CurrentManagedThreadId;
        });
        Assert.False(waiter.IsCompleted);

        readiness.Signal();
        Assert.True(waiter.IsCompleted); // ran before Signal returned
        Assert.True(answer);
        Assert.Equal(Environment.CurrentManagedThreadId, resumedOn);
    }

    [Fact]
    public async Task Close_AnswersTheParkedWaiterFalse_AndEveryLaterWait()
    {
        var readiness = new Readiness();
        var parked = WaitOnce(readiness);
        Assert.False(parked.IsCompleted);

        readiness.Close();
        Assert.False(await parked);
        Assert.True(readiness.IsClosed);

        readiness.Signal(); // an edge after the close changes nothing
        var later = WaitOnce(readiness);
        Assert.True(later.IsCompleted);
        Assert.False(await later);
    }

    [Fact]
    public async Task Clear_ForgetsAnOlderEdge()
    {
        var readiness = new Readiness();
        readiness.Signal();
        readiness.Clear(); // the I/O attempt right after will see what that edge announced

        var wait = WaitOnce(readiness);
        Assert.False(wait.IsCompleted);
        readiness.Signal();
        Assert.True(await wait);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnEdgeOrCloseBetweenTheCheckAndThePark_ResumesTheWaiterAtOnce(bool edge)
    {
        // The window an epoll thread can hit: the awaiter found no edge, and the edge (or an
        // abort's close) lands before the continuation is parked. Driven by hand, as the compiler
        // drives the awaiter, to put the signal exactly there.
        var readiness = new Readiness();
        var awaiter = readiness.WaitAsync().GetAwaiter();
        Assert.False(awaiter.IsCompleted);
        if (edge)
        {
            readiness.Signal();
        }
        else
        {
            readiness.Close();
        }

        var resumed = 0;
        awaiter.UnsafeOnCompleted(() => resumed++);
        Assert.Equal(1, resumed);
        Assert.Equal(edge, AnswerOf(awaiter));

        // Nothing was left parked: a later edge resumes nothing twice.
        readiness.Signal();
        Assert.Equal(1, resumed);
    }

    [Fact]
    public async Task EdgesFromAnotherThread_NeverLeaveTheWaiterParked()
    {
        // A receive loop and an epoll thread: each round the loop asks for one edge, which a
        // spinning thread sends at once, so it lands anywhere around the wait (before it, between
        // the check and the park, or on the parked waiter).
        const int rounds = 100_000;
        var readiness = new Readiness();
        var asked = new StrongBox<long>();
        var deadline = DateTime.UtcNow + Bound;
        var signaller = new Thread(() =>
        {
            for (long i = 0; i < rounds && DateTime.UtcNow < deadline; i++)
            {
                while (Volatile.Read(ref asked.Value) <= i && DateTime.UtcNow < deadline)
                {
                    Thread.SpinWait(1);
                }

                if ((i & 3) == 0)
                {
                    Thread.SpinWait((int)(i % 40));
                }

                readiness.Signal();
            }
        });
        signaller.Start();

        var answered = await WaitRoundsAsync(readiness, asked, rounds).WaitAsync(Bound);
        Assert.Equal(rounds, answered);
        Assert.True(signaller.Join(Bound));
    }

    private static async Task<int> WaitRoundsAsync(Readiness readiness, StrongBox<long> asked, int rounds)
    {
        var answered = 0;
        for (var i = 0; i < rounds; i++)
        {
            Interlocked.Increment(ref asked.Value);
            if (await readiness.WaitAsync())
            {
                answered++;
            }

            // A waiter resumed inline runs on the signalling thread; back to the pool, so that
            // the next round's wait races the signaller from another thread again.
            await Task.Yield();
        }

        return answered;
    }

    /// <summary>The awaiter's answer, read as the compiler reads it after the resume (it never blocks).</summary>
    private static bool AnswerOf(Readiness.Awaitable awaiter) => awaiter.GetResult();

    private static async Task<bool> WaitOnce(Readiness readiness) => await readiness.WaitAsync();

    private static async Task WaitAndRecord(Readiness readiness, Action<bool> record) => record(await readiness.WaitAsync());
}
