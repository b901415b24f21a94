using System.Runtime.CompilerServices;

namespace Engine.Async;

/// <summary>
/// A box for one async method (one state-machine type), with its pool: a stack per thread and,
/// for boxes that end on another thread than the one they started on, a small shared array.
/// </summary>
/// <remarks>
/// Why not the runtime's PoolingAsyncValueTaskMethodBuilder: it keeps one box per thread and one
/// per core for each method, so with 80 HTTP/2 streams suspended at once, 78 of their boxes were
/// new allocations (6 methods deep: ~1.5 KB per request; tests/…/Allocations now holds the binary
/// to ~0). Here a thread keeps up to <see cref="PerThread"/>, which covers the streams one event
/// loop has in flight.
/// </remarks>
internal sealed class PooledBox<TStateMachine, TResult> : PooledBox<TResult>
    where TStateMachine : IAsyncStateMachine
{
    /// <summary>Boxes one thread keeps: one per concurrently suspended call of this method.</summary>
    private const int PerThread = 256;

    /// <summary>Slots shared by every thread, for boxes that migrate between threads.</summary>
    private const int Shared = 64;

    private static readonly ContextCallback s_moveNextInContext = static box => ((PooledBox<TStateMachine, TResult>)box!).StateMachine.MoveNext();

    private static readonly PooledBox<TStateMachine, TResult>?[] s_shared = new PooledBox<TStateMachine, TResult>?[Shared];

    [ThreadStatic]
    private static PooledBox<TStateMachine, TResult>?[]? t_pool;

    [ThreadStatic]
    private static int t_count;

    private Action? _moveNext;

    /// <summary>The method's state; a field, so the method runs in place.</summary>
    public TStateMachine StateMachine = default!;

    /// <summary>Captured at the await; null when flow was suppressed (then MoveNext runs directly).</summary>
    public ExecutionContext? Context;

    /// <summary>The continuation given to awaiters; made once per box, not once per await.</summary>
    public Action MoveNextAction => _moveNext ??= MoveNext;

    public static PooledBox<TStateMachine, TResult> Rent()
    {
        var pool = t_pool;
        if (pool is not null && t_count > 0)
        {
            var index = --t_count;
            var box = pool[index]!;
            pool[index] = null;
            return box;
        }

        for (var i = 0; i < Shared; i++)
        {
            if (Volatile.Read(ref s_shared[i]) is not null && Interlocked.Exchange(ref s_shared[i], null) is { } shared)
            {
                return shared;
            }
        }

        return new PooledBox<TStateMachine, TResult>();
    }

    protected override void Return()
    {
        StateMachine = default!; // the finished method's locals must not stay reachable
        Context = null;
        var pool = t_pool ??= new PooledBox<TStateMachine, TResult>?[PerThread];
        if (t_count < PerThread)
        {
            pool[t_count++] = this;
            return;
        }

        for (var i = 0; i < Shared; i++)
        {
            if (Volatile.Read(ref s_shared[i]) is null && Interlocked.CompareExchange(ref s_shared[i], this, null) is null)
            {
                return;
            }
        }

        // Every slot is full: this box is left to the GC.
    }

    private void MoveNext()
    {
        var context = Context;
        if (context is null)
        {
            StateMachine.MoveNext();
        }
        else
        {
            ExecutionContext.Run(context, s_moveNextInContext, this);
        }
    }
}
