using System.Runtime.InteropServices;
using Engine.Async;

namespace Engine.Transport.Epoll;

/// <summary>
/// One event-loop thread: an epoll instance and a thread that waits on it and runs what became
/// ready, inline. Connections stay on the loop that accepted (or connected) them, so their
/// continuations, and the proxy code they resume, run on that thread.
/// </summary>
/// <remarks>
/// The thread blocks in epoll_wait with no timeout: it only ever wakes for I/O, and nothing is
/// queued to it from other threads (registration is an epoll_ctl from the registering thread;
/// aborts and timeouts complete their waiters directly). Loops live as long as the process, like
/// the runtime's own socket engine threads.
/// </remarks>
internal sealed unsafe class EpollLoop
{
    /// <summary>Events taken per epoll_wait; under load one wait serves many connections.</summary>
    private const int MaxEvents = 256;

    [ThreadStatic]
    private static EpollLoop? t_current;

    private static long s_handlerFaults;

    private readonly int _epfd;

    /// <summary>Deferred to the end of the current batch of events; only the loop thread touches it.</summary>
    private readonly List<BatchEndItem> _batchEnd = new(64);

    public EpollLoop(EpollLoopGroup group, int index)
    {
        Group = group;
        _epfd = EpollLibc.EpollCreate1(EpollLibc.EPOLL_CLOEXEC);
        if (_epfd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {EpollLibc.Errno}");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = $"epoll-{index}" };
        thread.UnsafeStart();
    }

    /// <summary>The loop whose thread is running the caller, if any.</summary>
    public static EpollLoop? Current => t_current;

    /// <summary>Exceptions that escaped a handler (a bug: handlers turn failures into values).</summary>
    public static long HandlerFaults => Interlocked.Read(ref s_handlerFaults);

    public EpollLoopGroup Group { get; }

    /// <summary>
    /// On a loop thread, queues <paramref name="work"/> to run after every event of the current
    /// epoll_wait has been handled, and returns true; elsewhere returns false (the caller does the
    /// work now). An HTTP/2 connection's writer is woken this way, so the answers of every stream
    /// whose upstream replied in one batch leave in one send instead of one send each.
    /// </summary>
    public static bool TryDeferToBatchEnd(IEpollBatchWork work)
    {
        var loop = t_current;
        if (loop is null)
        {
            return false;
        }

        loop._batchEnd.Add(new BatchEndItem(work, null, null));
        return true;
    }

    /// <summary>
    /// <see cref="TryDeferToBatchEnd(IEpollBatchWork)"/> for a pipe continuation
    /// (<see cref="BatchEndScheduler"/>): no object of its own per deferral.
    /// </summary>
    public static bool TryDeferToBatchEnd(Action<object?> action, object? state)
    {
        var loop = t_current;
        if (loop is null)
        {
            return false;
        }

        loop._batchEnd.Add(new BatchEndItem(null, action, state));
        return true;
    }

    /// <summary>Adds <paramref name="fd"/> (the handler is registered already); 0 or the errno.</summary>
    public int Add(int fd, uint events, IEpollHandler handler)
    {
        var ev = stackalloc byte[16];
        EpollEvents.Write(ev, events, handler.Token);
        return EpollLibc.EpollCtl(_epfd, EpollLibc.EPOLL_CTL_ADD, fd, ev) == 0 ? 0 : EpollLibc.Errno;
    }

    /// <summary>Removes <paramref name="fd"/>; closing a socket does this implicitly.</summary>
    public void Remove(int fd)
    {
        var ev = stackalloc byte[16];
        _ = EpollLibc.EpollCtl(_epfd, EpollLibc.EPOLL_CTL_DEL, fd, ev);
    }

    private void Run()
    {
        t_current = this;

        // The loop thread flows no execution context (the engine keeps no AsyncLocal state): an
        // await that suspends here captures none, and its resume calls MoveNext directly rather
        // than through ExecutionContext.RunInternal. Never undone: the thread lives as long as
        // the process.
        _ = ExecutionContext.SuppressFlow();
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollEvents.Size));
        while (true)
        {
            var count = EpollLibc.EpollWait(_epfd, events, MaxEvents, -1);
            if (count < 0)
            {
                if (EpollLibc.Errno == EpollLibc.EINTR)
                {
                    continue; // a signal (a debugger, perf): wait again
                }

                break; // the epoll descriptor itself is broken: nothing this thread can do
            }

            LoopTime.Refresh();
            for (var i = 0; i < count; i++)
            {
                try
                {
                    EpollRegistry.Find(EpollEvents.Data(events, i))?.OnEvents(EpollEvents.Events(events, i));
                }
                catch (Exception)
                {
                    // A handler bug must not take every connection of this loop down with it.
                    Interlocked.Increment(ref s_handlerFaults);
                }
            }

            RunBatchEnd();
        }
    }

    /// <summary>Runs the deferred work, including what that work defers in turn.</summary>
    private void RunBatchEnd()
    {
        for (var i = 0; i < _batchEnd.Count; i++)
        {
            var item = _batchEnd[i];
            try
            {
                if (item.Work is { } work)
                {
                    work.OnBatchEnd();
                }
                else
                {
                    item.Action!(item.State);
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref s_handlerFaults);
            }
        }

        _batchEnd.Clear();
    }

    private readonly record struct BatchEndItem(IEpollBatchWork? Work, Action<object?>? Action, object? State);
}
