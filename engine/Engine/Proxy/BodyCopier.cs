using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http1;

namespace Engine.Proxy;

/// <summary>
/// Streams a message body from one pipe to another with back-pressure: each read is copied into
/// the destination pipe's memory and flushed, and the flush waits while the destination is over
/// its buffer limit, so a 1 GiB body passes through in bounded memory. One copy, no
/// intermediate buffers. Failures come back as <see cref="BodyResult"/> values.
/// </summary>
internal static partial class BodyCopier
{
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> FlushAsync(PipeWriter destination)
    {
        try
        {
            var flush = await destination.FlushAsync().ConfigureAwait(false);
            return flush.IsCompleted ? BodyResult.DestinationGone : BodyResult.Complete;
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            return BodyResult.DestinationGone;
        }
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes, optionally as chunks (for a peer that gets no length).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> CopyLengthAsync(PipeReader source, PipeWriter destination, long length, BodyCounter? counter = null, bool encodeChunked = false)
    {
        var remaining = length;
        while (remaining > 0)
        {
            ReadResult read;
            try
            {
                read = await source.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                return BodyResult.SourceEnded;
            }

            if (!TryTake(source, read, remaining, out var take, out var ended))
            {
                return ended;
            }

            if (encodeChunked)
            {
                WriteChunk(destination, take);
            }
            else
            {
                Write(destination, take);
            }

            remaining -= take.Length;
            counter?.Add(take.Length);
            source.AdvanceTo(take.End);

            var flushed = await FlushAsync(destination).ConfigureAwait(false);
            if (flushed != BodyResult.Complete)
            {
                return flushed;
            }
        }

        if (encodeChunked)
        {
            destination.Write(ChunkedEncoder.LastChunk);
        }

        return length == 0 || encodeChunked ? await FlushAsync(destination).ConfigureAwait(false) : BodyResult.Complete;
    }

    /// <summary>Copies until the source closes; optionally re-frames as chunks for an HTTP/1.1 client.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> CopyUntilCloseAsync(PipeReader source, PipeWriter destination, bool encodeChunked, BodyCounter? counter = null)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await source.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                // A reset, unlike a FIN, does not end a close-delimited body: it truncates it.
                return BodyResult.SourceEnded;
            }

            if (read.IsCanceled)
            {
                return BodyResult.Canceled;
            }

            var buffer = read.Buffer;
            if (!buffer.IsEmpty)
            {
                counter?.Add(buffer.Length);
                if (encodeChunked)
                {
                    WriteChunk(destination, buffer);
                }
                else
                {
                    Write(destination, buffer);
                }
            }

            source.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                if (encodeChunked)
                {
                    destination.Write(ChunkedEncoder.LastChunk);
                }

                return await FlushAsync(destination).ConfigureAwait(false);
            }

            var flushed = await FlushAsync(destination).ConfigureAwait(false);
            if (flushed != BodyResult.Complete)
            {
                return flushed;
            }
        }
    }

    /// <summary>
    /// What of <paramref name="read"/> belongs to a body with <paramref name="remaining"/> bytes to
    /// go; false with how the body ended instead: the read was canceled, or the source closed first.
    /// </summary>
    private static bool TryTake(PipeReader source, in ReadResult read, long remaining, out ReadOnlySequence<byte> take, out BodyResult ended)
    {
        take = default;
        if (read.IsCanceled)
        {
            ended = BodyResult.Canceled;
            return false;
        }

        var buffer = read.Buffer;
        if (buffer.IsEmpty && read.IsCompleted)
        {
            source.AdvanceTo(buffer.End);
            ended = BodyResult.SourceEnded;
            return false;
        }

        take = buffer.Length <= remaining ? buffer : buffer.Slice(0, remaining);
        ended = BodyResult.Complete;
        return true;
    }

    public static void Write(PipeWriter destination, in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            destination.Write(data.FirstSpan);
            return;
        }

        foreach (var segment in data)
        {
            destination.Write(segment.Span);
        }
    }

    /// <summary>Writes data as one chunk: size line, data, CRLF.</summary>
    public static void WriteChunk(PipeWriter destination, in ReadOnlySequence<byte> data)
    {
        ChunkedEncoder.WriteChunkHeader(destination, data.Length);
        Write(destination, data);
        ChunkedEncoder.WriteChunkTerminator(destination);
    }
}
