using System.Buffers;
using Engine.Protocols.Http1;

namespace Engine.Interception;

/// <summary>
/// The HTTP/1.1 message around a POST tunnel's bytes (DestinationRule <c>tunnel</c> with
/// <c>protocol: POST</c>, Envoy's <c>tunneling_config.use_post</c>): the app's bytes go up as the
/// chunks of the request body, ended by the last chunk when the app half-closes; what comes down
/// is the answer's body, taken out of its framing — chunked, of declared length, or up to the
/// close — and its end is the app's FIN. One per connection; the downstream decoder keeps what a
/// read left of an incomplete trailer section for the next.
/// </summary>
internal sealed class PostTunnelFraming
{
    private readonly ChunkedDecoder? _chunks;
    private long _remaining; // a body of declared length: what is left of it
    private byte[] _carry = [];

    private PostTunnelFraming(bool chunked, long contentLength)
    {
        _chunks = chunked ? new ChunkedDecoder() : null;
        _remaining = contentLength;
        _chunks?.Reset();
    }

    /// <summary>The framing of an answer's body from its head (chunked, Content-Length, or neither: up to the close).</summary>
    public static PostTunnelFraming ForAnswer(string head)
    {
        var chunked = false;
        long length = -1;
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked |= value.EndsWith("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                length = parsed;
            }
        }

        return new PostTunnelFraming(chunked, chunked ? -1 : length);
    }

    /// <summary>The answer declared an empty body: the tunnel's downstream ends at once.</summary>
    public bool EmptyBody => _chunks is null && _remaining == 0;

    /// <summary>Whether an upstream FIN before the body's end means a cut-off answer (not when the body runs to the close).</summary>
    public bool EndsAtClose => _chunks is null && _remaining < 0;

    /// <summary>The CRLF after a chunk's data.</summary>
    public static readonly byte[] ChunkEnd = "\r\n"u8.ToArray();

    /// <summary>The last chunk: the app's FIN.</summary>
    public static readonly byte[] LastChunk = ChunkedEncoder.LastChunk.ToArray();

    /// <summary>Writes the size line of one chunk of the app's bytes into <paramref name="line"/> (32 bytes hold any); its length.</summary>
    public static int WriteChunkHeader(Span<byte> line, long size)
    {
        ChunkedEncoder.TryWriteChunkHeader(line, size, out var written);
        return written;
    }

    /// <summary>
    /// Takes the body bytes out of what came down (appended to <paramref name="body"/>): true when
    /// the body has ended; <paramref name="invalid"/> when its framing is broken.
    /// </summary>
    public bool Decode(ReadOnlyMemory<byte> received, ArrayBufferWriter<byte> body, out bool invalid)
    {
        invalid = false;
        if (_chunks is null)
        {
            if (_remaining < 0)
            {
                body.Write(received.Span);
                return false;
            }

            var take = (int)Math.Min(_remaining, received.Length);
            body.Write(received.Span[..take]);
            _remaining -= take;
            return _remaining == 0;
        }

        var input = new ReadOnlySequence<byte>(_carry.Length == 0 ? received : (byte[])[.. _carry, .. received.Span]);
        while (true)
        {
            var status = _chunks.Decode(input, out var data, out var consumed, out _);
            switch (status)
            {
                case ChunkedDecodeStatus.Data:
                    foreach (var segment in data)
                    {
                        body.Write(segment.Span);
                    }

                    input = input.Slice(consumed);
                    continue;
                case ChunkedDecodeStatus.Complete:
                    _carry = [];
                    return true;
                case ChunkedDecodeStatus.Error:
                    invalid = true;
                    return false;
                default:
                    _carry = input.Slice(consumed).ToArray(); // an incomplete trailer section waits whole
                    return false;
            }
        }
    }
}
