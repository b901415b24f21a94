using Engine.Async;

namespace Engine.Tests.Async;

/// <summary>
/// The request path's lock: sections exclude each other under real contention, a section's plain
/// writes are seen by the next holder, a waiter gets in once the holder leaves (also by an
/// exception), and the holder may enter again, as with <see cref="Lock"/>.
/// </summary>
public sealed class ShortLockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void ContendedSections_NeverOverlap_AndSeeEachOthersWrites()
    {
        const int threads = 4;
        const int sectionsEach = 500_000;
        var gate = new ShortLock();
        var shared = new Unguarded();
        var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait(Bound);
                for (var i = 0; i < sectionsEach; i++)
                {
                    using (gate.EnterScope())
                    {
                        // The flag is volatile so the compiler keeps every write and the overlap check
                        // sees the other core; the count is plain on purpose: only the lock orders it.
                        if (Volatile.Read(ref shared.Inside))
                        {
                            shared.Overlaps++;
                        }

                        Volatile.Write(ref shared.Inside, true);
                        shared.Count++;
                        Volatile.Write(ref shared.Inside, false);
                    }
                }
            });
            workers[t].Start();
        }

        foreach (var worker in workers)
        {
            Assert.True(worker.Join(Bound), "a worker did not finish: the lock was never released");
        }

        Assert.Equal(0, shared.Overlaps);
        Assert.Equal(threads * sectionsEach, shared.Count);
    }

    [Fact]
    public void Holder_MayEnterAgain_AndReleasesOnItsLastExit()
    {
        var gate = new ShortLock();
        gate.Enter();
        gate.Enter();
        gate.Exit();
        Assert.True(gate.IsHeldByCurrentThread);
        Assert.False(EntersFromAnotherThread(gate, TimeSpan.FromMilliseconds(200)));

        gate.Exit();
        Assert.False(gate.IsHeldByCurrentThread);
        Assert.True(EntersFromAnotherThread(gate, Bound));
    }

    [Fact]
    public void Waiter_EntersOnceTheHolderLeaves()
    {
        var gate = new ShortLock();
        gate.Enter();
        using var entered = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            using (gate.EnterScope())
            {
                entered.Set();
            }
        });
        waiter.Start();

        Assert.False(entered.Wait(TimeSpan.FromMilliseconds(200)), "the waiter got in while the lock was held");
        gate.Exit();
        Assert.True(entered.Wait(Bound));
        Assert.True(waiter.Join(Bound));
    }

    [Fact]
    public void SectionThatThrows_StillReleases()
    {
        var gate = new ShortLock();
        Assert.Throws<InvalidOperationException>(ThrowInsideTheSection);

        Assert.False(gate.IsHeldByCurrentThread);
        Assert.True(EntersFromAnotherThread(gate, Bound));

        void ThrowInsideTheSection()
        {
            using (gate.EnterScope())
            {
                throw new InvalidOperationException("inside the section");
            }
        }
    }

    /// <summary>Whether another thread gets the lock within <paramref name="wait"/>; it leaves at once if it does.</summary>
    private static bool EntersFromAnotherThread(ShortLock gate, TimeSpan wait)
    {
        using var entered = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            using (gate.EnterScope())
            {
                entered.Set();
            }
        }) { IsBackground = true };
        other.Start();
        return entered.Wait(wait);
    }

    private sealed class Unguarded
    {
        public bool Inside;
        public int Overlaps;
        public int Count;
    }
}
