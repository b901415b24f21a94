using System.Runtime.CompilerServices;

namespace Engine.Async;

/// <summary>
/// Mutual exclusion for the request path's short critical sections — a pipe's state, an HTTP/2
/// connection's stream table, a pool's idle list, a weighted schedule — which never wait inside
/// (the most one does is a non-blocking send: a new upstream HTTP/2 connection starts, and sends
/// its preface, under its pool's lock) and are almost never contended: each connection lives on
/// one epoll thread, and another thread touches it only for a timer or a cross-loop hand-off.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Lock"/> spends two atomic instructions per section: a <c>lock cmpxchg</c> to enter and a
/// <c>lock xadd</c> to leave, which it needs to count the waiters it parks in the kernel; and its
/// enter and exit are calls. This lock never parks, so leaving is a plain release store, and both
/// halves inline. A small request takes about 22 sections over HTTP/1.1 and 35 over h2c; with
/// them on this lock, scripts/instructions.sh counted about 4% and 5% fewer instructions per
/// request (perf/README.md, thirteenth pass).
/// </para>
/// <para>
/// A waiter spins with <see cref="SpinWait"/>, which yields the core at once when the process may
/// run on one core (the benchmark pins it), and after a few spins otherwise, so a holder that was
/// preempted gets to run. It never sleeps: a holder is always runnable (no section waits), and a
/// millisecond's sleep would cost more than the longest section. Like <see cref="Lock"/>, it is
/// re-entrant on the holding thread: sections written for that lock keep their meaning, and a
/// nested entry cannot deadlock (a new HTTP/2 connection whose run ends at once would re-enter its
/// pool's).
/// </para>
/// </remarks>
internal sealed class ShortLock
{
    // This thread's managed id, kept here because the runtime's getter is a call (one per section)
    // and this field read inlines.
    [ThreadStatic]
    private static int t_threadId;

    private int _owner;      // the holder's managed thread id; 0 when free
    private int _reentries;  // entries by the holder beyond the first; only the holder touches it

    /// <summary>Enters, and leaves when the returned scope is disposed: <c>using (x.EnterScope()) { … }</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope EnterScope()
    {
        Enter();
        return new Scope(this);
    }

    /// <summary>Enters, spinning while another thread holds the lock; the holder may enter again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        var self = t_threadId;
        if (self == 0)
        {
            self = t_threadId = Environment.CurrentManagedThreadId;
        }

        if (Interlocked.CompareExchange(ref _owner, self, 0) != 0)
        {
            EnterContended(self);
        }
    }

    /// <summary>Leaves one entry; the holding thread only (not checked, as every entry here is scoped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit()
    {
        if (_reentries != 0)
        {
            _reentries--;
            return;
        }

        // A release store: the section's writes are visible to whoever takes the lock next.
        Volatile.Write(ref _owner, 0);
    }

    /// <summary>For assertions; a snapshot.</summary>
    public bool IsHeldByCurrentThread => Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended(int self)
    {
        if (Volatile.Read(ref _owner) == self)
        {
            _reentries++;
            return;
        }

        var spinner = new SpinWait();
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _owner) != 0 || Interlocked.CompareExchange(ref _owner, self, 0) != 0);
    }

    /// <summary>Leaves the lock on dispose; a <c>ref struct</c>, so it cannot outlive the section.</summary>
    public readonly ref struct Scope
    {
        private readonly ShortLock _lock;

        internal Scope(ShortLock held) => _lock = held;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _lock.Exit();
    }
}
