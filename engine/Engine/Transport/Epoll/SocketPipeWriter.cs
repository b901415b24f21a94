using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Engine.Transport.Epoll;

/// <summary>The write end of a <see cref="SocketPipe"/>; a flush held by back-pressure completes through it.</summary>
internal sealed class SocketPipeWriter(SocketPipe pipe) : PipeWriter, IValueTaskSource<FlushResult>, IRedeemableLender
{
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => pipe.UnflushedBytes;

    public override Memory<byte> GetMemory(int sizeHint = 0) => pipe.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => pipe.GetMemory(sizeHint).Span;

    public override void Advance(int bytes) => pipe.Advance(bytes);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => pipe.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => pipe.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => pipe.CompleteWriter(exception);

    /// <summary>Sends <paramref name="data"/> from the caller's memory (<see cref="SocketPipe.LendAsync"/>); a byte pipe has no message to end.</summary>
    public ValueTask<bool> LendAsync(in ReadOnlySequence<byte> data, bool endsMessage) => pipe.LendAsync(data);

    /// <summary>Copies a lend out into the pipe's own blocks (<see cref="SocketPipe.Redeem"/>).</summary>
    public void Redeem() => pipe.Redeem();

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => pipe.GetFlushResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => pipe.GetFlushStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => pipe.OnFlushCompleted(continuation, state, token, flags);
}
