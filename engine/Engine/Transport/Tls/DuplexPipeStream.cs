using System.Buffers;
using System.IO.Pipelines;

namespace Engine.Transport.Tls;

/// <summary>
/// The plaintext connection's pipes as the <see cref="Stream"/> SslStream encrypts onto. Async
/// only (SslStream is only driven asynchronously here). Every write is flushed: SslStream writes
/// whole records, and the handshake needs each flight on the wire before it waits for the answer.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    public DuplexPipeStream(IDuplexPipe pipe)
    {
        _input = pipe.Input;
        _output = pipe.Output;
    }

    /// <summary>
    /// Hop to the thread pool after each read: set during the handshake so that the certificate
    /// checks SslStream runs after a read never run on the transport's event-loop thread (the
    /// transport completes reads inline there).
    /// </summary>
    public bool YieldAfterRead { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                var count = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, count).CopyTo(destination.Span);
                _input.AdvanceTo(buffer.GetPosition(count));
                if (YieldAfterRead)
                {
                    await Task.Yield();
                }

                return count;
            }

            _input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var flush = await _output.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException("the upstream connection is closed");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // every write already was

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
