using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Async;

/// <summary><see cref="PooledValueTaskBuilder{TResult}"/> for <c>async ValueTask</c> methods.</summary>
[StructLayout(LayoutKind.Auto)]
internal struct PooledValueTaskBuilder
{
    private PooledValueTaskBuilder<bool> _inner;

    public static PooledValueTaskBuilder Create() => default;

    public ValueTask Task => _inner.AsValueTask();

    public void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
        => _inner.Start(ref stateMachine);

    public void SetStateMachine(IAsyncStateMachine stateMachine) => _inner.SetStateMachine(stateMachine);

    public void SetResult() => _inner.SetResult(true);

    public void SetException(Exception exception) => _inner.SetException(exception);

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => _inner.AwaitOnCompleted(ref awaiter, ref stateMachine);

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => _inner.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}
