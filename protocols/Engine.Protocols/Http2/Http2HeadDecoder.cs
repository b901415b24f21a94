using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>
/// Turns a complete field block into the shared request model (DESIGN.md "One request model for
/// both protocols"): HPACK output lands in the head's arena, pseudo-header fields in its properties.
/// Each method resets the head first. The result is <see cref="Http2Error.None"/>, a connection
/// error (COMPRESSION_ERROR: GOAWAY) or a stream error (malformed or over the limits: RST_STREAM
/// or a 400/431 reply, see <see cref="Http2ErrorTable"/>); the dynamic table is in step in every
/// case but the first kind of error.
/// </summary>
public static class Http2HeadDecoder
{
    /// <summary>A request's HEADERS (RFC 9113 §8.3.1), checked whole.</summary>
    public static Http2Error DecodeRequest(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpRequestHead head, in Http2Limits limits)
    {
        head.Reset();
        var sink = new RequestHeaderSink(head);
        var error = decoder.Decode(block, head, ref sink, limits.MaxHeaderListBytes, limits.MaxHeaderCount);
        return error != Http2Error.None ? error : sink.Finish();
    }

    /// <summary>
    /// <see cref="DecodeRequest(HpackDecoder, ReadOnlySpan{byte}, HttpRequestHead, in Http2Limits)"/>
    /// for a connection that repeats its requests: a block the <paramref name="memo"/> holds, under
    /// the same table and limits, is copied from its kept head instead of decoded.
    /// </summary>
    public static Http2Error DecodeRequest(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpRequestHead head, in Http2Limits limits, HeadBlockMemo<HttpRequestHead> memo)
    {
        if (memo.TryReplay(block, decoder, head, limits))
        {
            return Http2Error.None;
        }

        var tableChanges = decoder.Table.Changes;
        var error = DecodeRequest(decoder, block, head, limits);
        Remember(memo, block, decoder, tableChanges, head, limits, error);
        return error;
    }

    /// <summary>
    /// A response's HEADERS (RFC 9113 §8.3.2). A 1xx head is followed by another (§8.1), so one that
    /// ends the stream (<paramref name="endStream"/>) is malformed.
    /// </summary>
    public static Http2Error DecodeResponse(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpResponseHead head, bool endStream, in Http2Limits limits)
        => CheckEndOfResponse(DecodeResponseHead(decoder, block, head, limits), head, endStream);

    /// <summary>
    /// <see cref="DecodeResponse(HpackDecoder, ReadOnlySpan{byte}, HttpResponseHead, bool, in Http2Limits)"/>
    /// for a connection whose server repeats its answers' heads (see <see cref="HeadBlockMemo{THead}"/>).
    /// </summary>
    public static Http2Error DecodeResponse(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpResponseHead head, bool endStream, in Http2Limits limits, HeadBlockMemo<HttpResponseHead> memo)
    {
        if (memo.TryReplay(block, decoder, head, limits))
        {
            return CheckEndOfResponse(Http2Error.None, head, endStream);
        }

        var tableChanges = decoder.Table.Changes;
        var error = DecodeResponseHead(decoder, block, head, limits);
        Remember(memo, block, decoder, tableChanges, head, limits, error);
        return CheckEndOfResponse(error, head, endStream);
    }

    /// <summary>
    /// A trailer section: a HEADERS frame after the head (and any DATA) of a message. §8.1: it MUST
    /// end the stream, so without END_STREAM the message is malformed.
    /// </summary>
    public static Http2Error DecodeTrailers(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpTrailers trailers, bool endStream, in Http2Limits limits)
        => CheckEndOfTrailers(DecodeTrailerFields(decoder, block, trailers, limits), endStream);

    /// <summary>
    /// <see cref="DecodeTrailers(HpackDecoder, ReadOnlySpan{byte}, HttpTrailers, bool, in Http2Limits)"/>
    /// for a connection whose peer repeats its trailers (gRPC's <c>grpc-status: 0</c>; see <see cref="HeadBlockMemo{THead}"/>).
    /// </summary>
    public static Http2Error DecodeTrailers(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpTrailers trailers, bool endStream, in Http2Limits limits, HeadBlockMemo<HttpTrailers> memo)
    {
        if (memo.TryReplay(block, decoder, trailers, limits))
        {
            return CheckEndOfTrailers(Http2Error.None, endStream);
        }

        var tableChanges = decoder.Table.Changes;
        var error = DecodeTrailerFields(decoder, block, trailers, limits);
        Remember(memo, block, decoder, tableChanges, trailers, limits, error);
        return CheckEndOfTrailers(error, endStream);
    }

    private static Http2Error DecodeResponseHead(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpResponseHead head, in Http2Limits limits)
    {
        head.Reset();
        var sink = new ResponseHeaderSink(head);
        var error = decoder.Decode(block, head, ref sink, limits.MaxHeaderListBytes, limits.MaxHeaderCount);
        return error != Http2Error.None ? error : sink.Finish();
    }

    /// <summary>§8.1: a 1xx head is followed by another, so one that ends the stream is malformed.</summary>
    private static Http2Error CheckEndOfResponse(Http2Error error, HttpResponseHead head, bool endStream)
        => error == Http2Error.None && endStream && head.StatusCode < 200 ? Http2Error.InvalidStatus : error;

    private static Http2Error DecodeTrailerFields(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpTrailers trailers, in Http2Limits limits)
    {
        trailers.Reset();
        var sink = new TrailerSink(trailers);
        return decoder.Decode(block, trailers, ref sink, limits.MaxHeaderListBytes, limits.MaxHeaderCount);
    }

    /// <summary>§8.1: a trailer section MUST end the stream.</summary>
    private static Http2Error CheckEndOfTrailers(Http2Error error, bool endStream)
        => error != Http2Error.None || endStream ? error : Http2Error.TrailersWithoutEndStream;

    /// <summary>A block that decoded without error and left the table as it was goes to the memo.</summary>
    private static void Remember<THead>(HeadBlockMemo<THead> memo, ReadOnlySpan<byte> block, HpackDecoder decoder, long tableChangesBefore, THead head, in Http2Limits limits, Http2Error error)
        where THead : HttpHead, new()
    {
        if (error == Http2Error.None && decoder.Table.Changes == tableChangesBefore)
        {
            memo.Remember(block, tableChangesBefore, head, limits);
        }
    }

    /// <summary>
    /// Decodes a block only to keep the dynamic table in step, for HEADERS the session will not act
    /// on (a refused or ignored stream, RFC 9113 §4.3: every field block MUST be processed).
    /// <paramref name="scratch"/> receives at most one field. Only connection errors are returned.
    /// </summary>
    public static Http2Error Skip(HpackDecoder decoder, ReadOnlySpan<byte> block, HttpHead scratch)
    {
        scratch.Reset();
        var sink = default(DiscardSink);
        var error = decoder.Decode(block, scratch, ref sink, maxListBytes: 0, maxFieldCount: 0);
        return Http2ErrorTable.IsConnectionError(error) ? error : Http2Error.None;
    }
}
