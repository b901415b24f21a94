using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// A chunked upload, kept for a retry as Envoy keeps any request body up to its retry buffer
/// limit. Its length is unknown until its last chunk, so it is kept as it comes: each attempt's
/// pump decodes the raw body from its first byte in the client's input and re-chunks it upstream,
/// marking what it read examined but consuming nothing, so a retry's pump simply starts again from
/// the first byte — while the client is still uploading the rest, too. A body whose raw bytes
/// outgrow <see cref="ProxyOptions.MaxReplayBodyBytes"/> stops being kept: the pump consumes what
/// it has sent and carries on as a plain one, and the request can no longer be retried.
/// </summary>
internal sealed partial class Http1ProxySession
{
    private long _keptChunkedLength = -1; // the raw length of a kept chunked body a pump saw end (-1: none)
    private long _keptChunkedBodyBytes;   // ... and its decoded length, counted as received when it is consumed

    /// <summary>
    /// Decodes the chunked body and writes it to <paramref name="output"/>, re-chunked for an
    /// HTTP/1.1 upstream (extensions dropped, trailers forwarded) or as plain data into an HTTP/2
    /// stream (whose trailers the exchange sends), keeping its raw bytes in the input (see the
    /// type's summary). An invalid or truncated body aborts the HTTP/1.1 upstream connection,
    /// which waits for bytes that will never come (an HTTP/2 stream is reset by its caller).
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> PumpKeptChunkedBodyAsync(PipeWriter output, bool encodeChunked, UpstreamConnection? upstream)
    {
        _bodyKept = true;
        _requestChunks.Reset();
        var keeping = true;
        var first = true;
        long decoded = 0; // raw bytes from the body's first byte that this pass has decoded, while keeping
        while (true)
        {
            ReadResult read;
            try
            {
                read = await ReadKeptAsync(first).ConfigureAwait(false);
                first = false;
            }
            catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
            {
                upstream?.Abort();
                return BodyResult.SourceEnded;
            }

            var buffer = read.Buffer;
            if (read.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                return BodyResult.Canceled;
            }

            var pending = keeping ? buffer.Slice(decoded) : buffer;
            while (true)
            {
                var status = _requestChunks.Decode(pending, out var data, out var consumed, out _);
                if (status == ChunkedDecodeStatus.Data)
                {
                    if (encodeChunked)
                    {
                        BodyCopier.WriteChunk(output, data);
                    }
                    else
                    {
                        BodyCopier.Write(output, data);
                    }

                    if (!keeping)
                    {
                        _received.Add(data.Length);
                    }

                    pending = pending.Slice(consumed);
                    continue;
                }

                if (status == ChunkedDecodeStatus.Complete)
                {
                    if (keeping)
                    {
                        _keptChunkedLength = buffer.Slice(buffer.Start, consumed).Length;
                        _keptChunkedBodyBytes = _requestChunks.BodyBytes;
                        _input.AdvanceTo(buffer.Start, consumed); // consumed when the request is over (ConsumeBufferedBody)
                        DispatchDeferredMirrors(); // with the raw body, trailers and all
                    }
                    else
                    {
                        _input.AdvanceTo(consumed);
                    }

                    if (encodeChunked)
                    {
                        ChunkedEncoder.WriteLastChunk(output, _requestChunks.Trailers);
                    }

                    return await BodyCopier.FlushAsync(output).ConfigureAwait(false);
                }

                if (status == ChunkedDecodeStatus.Error)
                {
                    _bodyConsumed = true;
                    _input.AdvanceTo(buffer.End);
                    upstream?.Abort();
                    return BodyResult.SourceInvalid;
                }

                // More to come: keep it, or past the limit give up keeping it from here on.
                if (keeping)
                {
                    decoded = buffer.Slice(buffer.Start, consumed).Length;
                    if (decoded > _server.Options.MaxReplayBodyBytes)
                    {
                        keeping = false;
                        _bodyConsumed = true; // no retry from now on (a retry already decided gets a 507)
                        _received.Add(_requestChunks.BodyBytes);
                        _input.AdvanceTo(consumed, buffer.End);
                    }
                    else
                    {
                        _input.AdvanceTo(buffer.Start, buffer.End);
                    }
                }
                else
                {
                    _input.AdvanceTo(consumed, buffer.End);
                }

                break;
            }

            if (read.IsCompleted)
            {
                upstream?.Abort();
                return BodyResult.SourceEnded;
            }

            var flushed = await BodyCopier.FlushAsync(output).ConfigureAwait(false);
            if (flushed != BodyResult.Complete)
            {
                return flushed;
            }
        }
    }

    /// <summary>Takes a kept chunked body that a pump saw end out of the input (false: none, so it cannot be skipped).</summary>
    private bool ConsumeKeptChunkedBody()
    {
        if (_keptChunkedLength < 0 || !TryReadKept(out var read))
        {
            return false;
        }

        _received.Add(_keptChunkedBodyBytes);
        _input.AdvanceTo(read.Buffer.GetPosition(_keptChunkedLength));
        _bodyConsumed = true;
        return true;
    }
}
