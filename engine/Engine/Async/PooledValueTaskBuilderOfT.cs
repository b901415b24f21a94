using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Async;

/// <summary>
/// Builds <c>async ValueTask&lt;T&gt;</c> methods whose suspended state lives in pooled boxes
/// (<see cref="PooledBox{TStateMachine, TResult}"/>): once warm, a call that suspends allocates
/// nothing, however many calls are suspended at once. A call that completes synchronously never
/// takes a box. Use on hot methods whose results are awaited exactly once.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct PooledValueTaskBuilder<TResult>
{
    private PooledBox<TResult>? _box;
    private Exception? _exception;
    private TResult _result;

    public static PooledValueTaskBuilder<TResult> Create() => default;

    public ValueTask<TResult> Task
    {
        get
        {
            if (_box is { } box)
            {
                return new ValueTask<TResult>(box, box.Version);
            }

            return _exception is null ? new ValueTask<TResult>(_result) : ValueTask.FromException<TResult>(_exception);
        }
    }

    /// <summary>The non-generic view, for <see cref="PooledValueTaskBuilder"/>.</summary>
    internal readonly ValueTask AsValueTask()
    {
        if (_box is { } box)
        {
            return new ValueTask(box, box.Version);
        }

        return _exception is null ? ValueTask.CompletedTask : ValueTask.FromException(_exception);
    }

    /// <summary>The runtime's start: the caller's execution and synchronization contexts are restored after the first step.</summary>
    public void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
        => default(AsyncValueTaskMethodBuilder<TResult>).Start(ref stateMachine);

    public void SetStateMachine(IAsyncStateMachine stateMachine)
    {
        // Only the .NET Framework's boxing path calls this.
    }

    public void SetResult(TResult result)
    {
        if (_box is { } box)
        {
            box.SetResult(result);
        }
        else
        {
            _result = result;
        }
    }

    public void SetException(Exception exception)
    {
        if (_box is { } box)
        {
            box.SetException(exception);
        }
        else
        {
            _exception = exception;
        }
    }

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => awaiter.OnCompleted(BoxFor(ref stateMachine).MoveNextAction);

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => awaiter.UnsafeOnCompleted(BoxFor(ref stateMachine).MoveNextAction);

    /// <summary>
    /// The box the method resumes from. At the first await the method moves into a rented box;
    /// the builder records the box first, so the copy inside the box knows its own home.
    /// </summary>
    private PooledBox<TStateMachine, TResult> BoxFor<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        var context = ExecutionContext.Capture();
        if (_box is PooledBox<TStateMachine, TResult> existing)
        {
            existing.Context = context;
            return existing;
        }

        var box = PooledBox<TStateMachine, TResult>.Rent();
        _box = box;
        box.StateMachine = stateMachine;
        box.Context = context;
        return box;
    }
}
