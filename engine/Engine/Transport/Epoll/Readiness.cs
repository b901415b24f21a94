using System.Runtime.CompilerServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// One direction of a socket's readiness under edge-triggered epoll: remembers an edge that
/// arrived while nobody waited, and resumes the one waiter inline when it arrives later.
/// </summary>
/// <remarks>
/// <para>
/// States: <c>Idle</c> (no edge since the last I/O attempt), <c>Ready</c> (an edge came), <c>Waiting</c>
/// (the I/O loop is parked), <c>Closed</c> (aborted: every wait answers false). The I/O loop calls
/// <see cref="Clear"/> before each read or write, so an edge that arrives while the syscall runs
/// is kept and the next wait returns at once: with edge triggering a lost edge would be a hung
/// connection, and an extra one costs at most one EAGAIN.
/// </para>
/// <para>
/// The continuation runs synchronously in <see cref="Signal"/>, on the loop thread, which is the
/// model the engine is built on (no thread-pool hop). Allocation-free: the wait is awaited
/// through its own awaiter, which parks the async method's cached continuation here. It is not
/// a <see cref="ValueTask{TResult}"/>: every await of one tests its source for being a task
/// (a type-hierarchy walk in the native binary) three times, and its source core checks a
/// version token and a scheduling context on each step; a socket's receive loop waits here once
/// per request on each side of the proxy.
/// </para>
/// </remarks>
internal sealed class Readiness
{
    private const int Idle = 0;
    private const int Ready = 1;
    private const int Waiting = 2;
    private const int Closed = 3;

    private int _state;
    private Action? _continuation; // the parked waiter's; written before the state becomes Waiting
    private bool _result;          // the answer of the wait that completed last; read by its awaiter

    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>Forgets an older edge; called right before an I/O attempt.</summary>
    /// <remarks>Usually the state is Idle already: a plain read saves a locked instruction per syscall.</remarks>
    public void Clear()
    {
        if (Volatile.Read(ref _state) == Ready)
        {
            Interlocked.CompareExchange(ref _state, Idle, Ready);
        }
    }

    /// <summary>
    /// True when the socket became ready (now or earlier), false once closed. One waiter at a
    /// time (the connection's receive or send loop), awaited once.
    /// </summary>
    public Awaitable WaitAsync() => new(this);

    /// <summary>Completes the wait now if an edge or a close came already (the awaiter's IsCompleted).</summary>
    private bool TryCompleteNow()
    {
        // Each failed exchange means another thread moved the state on; the states form a
        // short cycle, so this settles in a few rounds.
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Ready:
                    if (Interlocked.CompareExchange(ref _state, Idle, Ready) == Ready)
                    {
                        _result = true;
                        return true;
                    }

                    break;
                case Closed:
                    _result = false;
                    return true;
                case Idle:
                    return false;
                default:
                    throw new InvalidOperationException("A socket direction takes one waiter at a time.");
            }
        }
    }

    /// <summary>Parks <paramref name="continuation"/> until the next edge or the close.</summary>
    private void Park(Action continuation)
    {
        _continuation = continuation;
        while (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // An edge or a close came since IsCompleted looked: resume now, on this thread.
            if (TryCompleteNow())
            {
                _continuation = null;
                continuation();
                return;
            }
        }
    }

    /// <summary>An edge: resumes the waiter inline, or remembers it.</summary>
    public void Signal()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Ready, Idle) == Idle)
                    {
                        return;
                    }

                    break;
                case Waiting:
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        Resume(true);
                        return;
                    }

                    break;
                default:
                    return; // already Ready, or Closed
            }
        }
    }

    /// <summary>Ends waiting for good: a parked waiter resumes with false.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
        {
            Resume(false);
        }
    }

    /// <summary>Runs the parked waiter; the caller moved the state off Waiting, so it is the only one here.</summary>
    private void Resume(bool result)
    {
        var continuation = _continuation!;
        _continuation = null;
        _result = result;
        continuation();
    }

    /// <summary>
    /// The awaiter of one <see cref="WaitAsync"/>. Its <see cref="IsCompleted"/> takes a pending
    /// edge (it is read once per await, as the compiler does); continuations run inline, and no
    /// execution context flows (the loop threads carry none).
    /// </summary>
    public readonly struct Awaitable : ICriticalNotifyCompletion
    {
        private readonly Readiness _readiness;

        public Awaitable(Readiness readiness) => _readiness = readiness;

        public bool IsCompleted => _readiness.TryCompleteNow();

        public Awaitable GetAwaiter() => this;

        public bool GetResult() => _readiness._result;

        public void OnCompleted(Action continuation) => _readiness.Park(continuation);

        public void UnsafeOnCompleted(Action continuation) => _readiness.Park(continuation);
    }
}
