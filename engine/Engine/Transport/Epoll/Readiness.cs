using System.Threading.Tasks.Sources;

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
/// model the engine is built on (no thread-pool hop). Allocation-free: the awaiter is this
/// object, reset for each wait.
/// </para>
/// </remarks>
internal sealed class Readiness : IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int Ready = 1;
    private const int Waiting = 2;
    private const int Closed = 3;

    private ManualResetValueTaskSourceCore<bool> _core; // RunContinuationsAsynchronously = false: inline
    private int _state;

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

    /// <summary>True when the socket became ready (now or earlier), false once closed.</summary>
    public ValueTask<bool> WaitAsync()
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
                        return new ValueTask<bool>(true);
                    }

                    break;
                case Closed:
                    return new ValueTask<bool>(false);
                default:
                    _core.Reset();
                    if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle)
                    {
                        return new ValueTask<bool>(this, _core.Version);
                    }

                    break;
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
                        _core.SetResult(true);
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
            _core.SetResult(false);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
