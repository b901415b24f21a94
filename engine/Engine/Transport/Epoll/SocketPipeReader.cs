using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Engine.Transport.Epoll;

/// <summary>The read end of a <see cref="SocketPipe"/>; a waiting read completes through it.</summary>
internal sealed class SocketPipeReader(SocketPipe pipe) : PipeReader, IValueTaskSource<ReadResult>
{
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => pipe.ReadAsync(cancellationToken);

    public override bool TryRead(out ReadResult result) => pipe.TryRead(out result);

    public override void AdvanceTo(SequencePosition consumed) => pipe.AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => pipe.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => pipe.CancelPendingRead();

    public override void Complete(Exception? exception = null) => pipe.CompleteReader(exception);

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => pipe.GetReadResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => pipe.GetReadStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => pipe.OnReadCompleted(continuation, state, token, flags);
}
