using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>
/// Writes a head as HEADERS (+ CONTINUATION) frames straight into the output pipe: the field block
/// is encoded once into the pipe's own memory behind room for the frame header, and only when it is
/// longer than the peer's SETTINGS_MAX_FRAME_SIZE are the later fragments moved to make room for
/// CONTINUATION headers (§4.3: the frames of one block are contiguous). No intermediate buffer.
/// </summary>
public static class Http2HeadWriter
{
    /// <summary>A request head (HTTP/1.1- or HTTP/2-origin) on stream <paramref name="streamId"/>.</summary>
    public static void WriteRequest(IBufferWriter<byte> writer, int streamId, HttpRequestHead head, HpackEncoder encoder, bool endStream, int maxFrameSize)
    {
        var span = Begin(writer, head, maxFrameSize);
        var length = encoder.EncodeRequest(head, span[Http2FrameHeader.Size..]);
        Finish(writer, span, length, streamId, endStream, maxFrameSize);
    }

    /// <summary>A response head (final or 1xx).</summary>
    public static void WriteResponse(IBufferWriter<byte> writer, int streamId, HttpResponseHead head, HpackEncoder encoder, bool endStream, int maxFrameSize)
    {
        var span = Begin(writer, head, maxFrameSize);
        var length = encoder.EncodeResponse(head, span[Http2FrameHeader.Size..]);
        Finish(writer, span, length, streamId, endStream, maxFrameSize);
    }

    /// <summary>A trailer section; it always ends the stream (§8.1).</summary>
    public static void WriteTrailers(IBufferWriter<byte> writer, int streamId, HttpHead trailers, HpackEncoder encoder, int maxFrameSize)
    {
        var span = Begin(writer, trailers, maxFrameSize);
        var length = encoder.EncodeTrailers(trailers, span[Http2FrameHeader.Size..]);
        Finish(writer, span, length, streamId, endStream: true, maxFrameSize);
    }

    private static Span<byte> Begin(IBufferWriter<byte> writer, HttpHead head, int maxFrameSize)
    {
        var bound = HpackEncoder.GetMaxEncodedLength(head);
        var frames = Math.Max(1, (bound + maxFrameSize - 1) / maxFrameSize);
        return writer.GetSpan(bound + (frames * Http2FrameHeader.Size));
    }

    /// <summary>
    /// The block is at span[9..9+length]. Fragment i (i ≥ 1) moves right by 9·i bytes to make room for
    /// its CONTINUATION header; moving the last fragment first never overwrites one not yet moved.
    /// </summary>
    private static void Finish(IBufferWriter<byte> writer, Span<byte> span, int length, int streamId, bool endStream, int maxFrameSize)
    {
        var frames = Math.Max(1, (length + maxFrameSize - 1) / maxFrameSize);
        for (var i = frames - 1; i >= 0; i--)
        {
            var start = i * maxFrameSize;
            var fragment = Math.Min(maxFrameSize, length - start);
            var target = (i * Http2FrameHeader.Size) + start;
            if (i > 0)
            {
                span.Slice(Http2FrameHeader.Size + start, fragment).CopyTo(span[(target + Http2FrameHeader.Size)..]);
            }

            var type = i == 0 ? Http2FrameType.Headers : Http2FrameType.Continuation;
            var flags = (i == frames - 1 ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None)
                | (i == 0 && endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None);
            new Http2FrameHeader(fragment, type, flags, streamId).Write(span[target..]);
        }

        writer.Advance(length + (frames * Http2FrameHeader.Size));
    }
}
