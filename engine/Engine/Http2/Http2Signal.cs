using System.Threading.Tasks.Sources;
using Engine.Transport.Epoll;

namespace Engine.Http2;

/// <summary>
/// An auto-reset event with one awaiter and no allocation: the writer loop waits on it, anyone with
/// work for the writer sets it. A set with nobody waiting is remembered, so the next wait returns
/// at once. Continuations run on the thread that sets (the transport schedules inline, and a thread
/// hop per response would cost more than the work, DESIGN.md) — except on an event-loop thread,
/// where the wake waits for the end of the loop's batch of events: every stream that became ready
/// in that batch is then written in one pass and one send (the way an event-driven proxy flushes
/// once per loop iteration), instead of one send per stream.
/// </summary>
internal sealed class Http2Signal : IValueTaskSource, IEpollBatchWork
{
    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;

    /// <summary>The waiter is woken at the end of the loop's batch; sets until then change nothing.</summary>
    private const int WakeQueued = 3;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return ValueTask.CompletedTask;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Signaled)
        {
            // Set between the two exchanges: take it now.
            Volatile.Write(ref _state, Idle);
            return ValueTask.CompletedTask;
        }

        return new ValueTask(this, _core.Version);
    }

    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state is Signaled or WakeQueued)
            {
                return;
            }

            if (state == Idle && Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
            {
                return;
            }

            if (state == Waiting && Interlocked.CompareExchange(ref _state, WakeQueued, Waiting) == Waiting)
            {
                if (!EpollLoop.TryDeferToBatchEnd(this))
                {
                    Wake();
                }

                return;
            }
        }
    }

    void IEpollBatchWork.OnBatchEnd() => Wake();

    private void Wake()
    {
        Volatile.Write(ref _state, Idle);
        _core.SetResult(true);
    }

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
