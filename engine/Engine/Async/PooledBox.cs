using System.Threading.Tasks.Sources;

namespace Engine.Async;

/// <summary>
/// The heap home of a suspended async method built by <see cref="PooledValueTaskBuilder{TResult}"/>:
/// the state machine, and the value-task source its caller awaits. Awaiting the result (GetResult)
/// hands the box back to its pool, so each box must be awaited exactly once (the rule every
/// pooled <see cref="ValueTask"/> has).
/// </summary>
internal abstract class PooledBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    public short Version => _core.Version;

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public TResult GetResult(short token)
    {
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Awaited twice, or read before the method finished: that throws, and the box must not
            // go back to the pool a second time (two calls would then share it) or while in use.
            return _core.GetResult(token);
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Return();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Clears what the finished method held and puts the box back in its pool.</summary>
    protected abstract void Return();
}
