using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Proxy;

internal static partial class BodyCopier
{
    /// <summary>
    /// Decodes a chunked body strictly and writes it on, re-chunked (chunk extensions are never
    /// forwarded, robustness.md §1.5 #8) or plain for an HTTP/1.0 client. Trailer fields are
    /// forwarded when the destination is chunked too.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public static async ValueTask<BodyResult> CopyChunkedAsync(PipeReader source, PipeWriter destination, ChunkedDecoder decoder, bool encodeChunked, BodyCounter? counter = null)
    {
        decoder.Reset();
        while (true)
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

            if (read.IsCanceled)
            {
                return BodyResult.Canceled;
            }

            var buffer = read.Buffer;
            while (true)
            {
                var status = decoder.Decode(buffer, out var data, out var consumed, out _);
                if (status == ChunkedDecodeStatus.Data)
                {
                    counter?.Add(data.Length);
                    if (encodeChunked)
                    {
                        WriteChunk(destination, data);
                    }
                    else
                    {
                        Write(destination, data);
                    }

                    buffer = buffer.Slice(consumed);
                    continue;
                }

                if (status == ChunkedDecodeStatus.Complete)
                {
                    source.AdvanceTo(consumed);
                    if (encodeChunked)
                    {
                        ChunkedEncoder.WriteLastChunk(destination, decoder.Trailers);
                    }

                    return await FlushAsync(destination).ConfigureAwait(false);
                }

                if (status == ChunkedDecodeStatus.Error)
                {
                    source.AdvanceTo(buffer.End);
                    return BodyResult.SourceInvalid;
                }

                source.AdvanceTo(consumed, buffer.End);
                break;
            }

            if (read.IsCompleted)
            {
                return BodyResult.SourceEnded;
            }

            var flushed = await FlushAsync(destination).ConfigureAwait(false);
            if (flushed != BodyResult.Complete)
            {
                return flushed;
            }
        }
    }

}
