using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;

namespace Engine.Http2;

/// <summary>
/// The owner's view of a stream's inbound body. It is the stream pipe's reader with two additions:
/// bytes the owner consumes are reported to the connection, which returns their flow-control
/// credit (RFC 9113 §5.2: a slow consumer throttles the sender instead of growing our buffers); and
/// a stream that ended without END_STREAM (reset, connection lost, content-length mismatch) reads
/// as <see cref="ReadResult.IsCanceled"/> — a value, so a truncated body is never taken for a whole one.
/// A body that ended at the head reads as empty and complete without touching the pipe.
/// </summary>
internal sealed class Http2InboundBody(Http2Stream stream) : PipeReader
{
    private ReadOnlySequence<byte> _last;
    private bool _synthetic;

    private PipeReader Inner => stream.InboundPipe.Reader;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (stream.InboundAborted)
        {
            return new ValueTask<ReadResult>(Aborted());
        }

        if (stream.InboundEndedAtHead)
        {
            return new ValueTask<ReadResult>(EndedAtHead());
        }

        var pending = Inner.ReadAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Track(pending.Result)) : ReadSlowAsync(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (stream.InboundAborted)
        {
            result = Aborted();
            return true;
        }

        if (stream.InboundEndedAtHead)
        {
            result = EndedAtHead();
            return true;
        }

        if (!Inner.TryRead(out result))
        {
            return false;
        }

        result = Track(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_synthetic)
        {
            _synthetic = false;
            return;
        }

        var bytes = _last.Slice(_last.Start, consumed).Length;
        _last = default;
        Inner.AdvanceTo(consumed, examined);
        if (bytes > 0)
        {
            stream.Connection.OnInboundConsumed(stream, bytes);
        }
    }

    public override void CancelPendingRead()
    {
        if (!stream.InboundEndedAtHead)
        {
            Inner.CancelPendingRead(); // nothing can be pending on an empty body
        }
    }

    public override void Complete(Exception? exception = null) => stream.Connection.OnInboundReaderCompleted(stream);

    internal void Reset()
    {
        _last = default;
        _synthetic = false;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<ReadResult> ReadSlowAsync(ValueTask<ReadResult> pending) => Track(await pending.ConfigureAwait(false));

    private ReadResult Track(ReadResult result)
    {
        _last = result.Buffer;
        return stream.InboundAborted ? new ReadResult(result.Buffer, isCanceled: true, isCompleted: true) : result;
    }

    private ReadResult Aborted()
    {
        _synthetic = true;
        return new ReadResult(default, isCanceled: true, isCompleted: true);
    }

    /// <summary>The request ended on its head: an empty, complete body, without the pipe.</summary>
    private ReadResult EndedAtHead()
    {
        _synthetic = true;
        return new ReadResult(default, isCanceled: false, isCompleted: true);
    }
}
