using System.IO.Pipelines;

namespace Engine.Http2;

/// <summary>
/// The owner's view of a stream's outbound body: the stream pipe's writer, bounded by
/// <see cref="Http2SessionOptions.MaxBufferedBytesPerStream"/>, whose flushes tell the connection's
/// writer there is data to frame. Complete() ends the message with END_STREAM (or the trailers set
/// with CompleteWithTrailersAsync); Complete(exception) resets the stream instead, so a body cut
/// short is never sent as a whole one. A flush reports IsCompleted once the stream is gone.
/// </summary>
internal sealed class Http2OutboundBody(Http2Stream stream) : PipeWriter
{
    private PipeWriter Inner => stream.OutboundPipe.Writer;

    public override bool CanGetUnflushedBytes => Inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => Inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        stream.OutboundPipeWritten = true; // a lend may not follow (Http2Stream.LendAsync)
        Inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => Inner.CancelPendingFlush();

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var flush = Inner.FlushAsync(cancellationToken);
        stream.Connection.OnOutboundData(stream);
        return flush;
    }

    public override void Complete(Exception? exception = null) => stream.Connection.OnOutboundCompleted(stream, exception);
}
