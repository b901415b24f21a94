using System.Threading.Tasks.Sources;

namespace Engine.Async;

/// <summary>
/// One outcome at a time, awaited without allocating: armed, awaited once, set once, then armed
/// again. Its continuation runs inline in whoever sets it, as a pipe's waiting flush resumes in
/// the reader that made room. For the lends of a body (<see cref="Transport.IOutboundLender"/>): the
/// owner waits for its buffer to come back.
/// </summary>
internal sealed class ReusableSignal<T> : IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = false };

    /// <summary>A new wait; the previous one must have been set and awaited.</summary>
    public ValueTask<T> Arm()
    {
        _core.Reset();
        return new ValueTask<T>(this, _core.Version);
    }

    public void Set(T result) => _core.SetResult(result);

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
