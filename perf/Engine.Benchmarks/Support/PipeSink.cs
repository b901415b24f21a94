using System.IO.Pipelines;
using Engine.Transport;

namespace Engine.Benchmarks.Support;

/// <summary>
/// A pipe on the engine's pinned block pool with inline schedulers, drained synchronously after
/// each write: what a serializer writes into a socket's output pipe, minus the socket.
/// </summary>
internal sealed class PipeSink
{
    private readonly Pipe _pipe = new(new PipeOptions(
        pool: new PinnedBlockMemoryPool(32 * 1024, 64),
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        useSynchronizationContext: false));

    public PipeWriter Writer => _pipe.Writer;

    /// <summary>Flushes what was written, reads it all and returns its length.</summary>
    public long Drain()
    {
        // The reader is never waiting and there is no back-pressure, so the flush completes synchronously.
        var flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("flush did not complete synchronously");
        }

        if (!_pipe.Reader.TryRead(out var read))
        {
            return 0;
        }

        var length = read.Buffer.Length;
        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return length;
    }
}
