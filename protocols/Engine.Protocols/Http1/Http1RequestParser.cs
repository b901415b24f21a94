using System.Buffers;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Parses an HTTP/1.x request head (RFC 9112 §2–§6) strictly, per robustness.md §1.5: anything
/// ambiguous is an error, never "forgiven", because a proxy that reads a message differently from
/// the server behind it is a request-smuggling vector.
/// </summary>
public static class Http1RequestParser
{
    /// <summary>
    /// Parses one request head from the start of <paramref name="buffer"/>.
    /// <see cref="Http1ParseStatus.Incomplete"/>: the head is not all there; nothing consumed (advance
    /// the reader with consumed = buffer.Start, examined = buffer.End). <see cref="Http1ParseStatus.Complete"/>:
    /// <paramref name="head"/> is reset and filled, every range pointing into its arena (the head bytes
    /// are copied there once), and <paramref name="consumed"/> is just past the empty line; what follows is
    /// body or the next pipelined request. <see cref="Http1ParseStatus.Error"/>: reply
    /// <see cref="Http1ErrorStatus.StatusFor"/> and close; limits are enforced while still incomplete.
    /// </summary>
    public static Http1ParseStatus TryParseRequest(
        in ReadOnlySequence<byte> buffer,
        HttpRequestHead head,
        in Http1Limits limits,
        out SequencePosition consumed,
        out Http1Error error)
        => Http1HeadParser.TryParse<HttpRequestHead, RequestHeadSyntax>(buffer, head, limits, out consumed, out error);

    /// <summary>
    /// <see cref="TryParseRequest(in ReadOnlySequence{byte}, HttpRequestHead, in Http1Limits, out SequencePosition, out Http1Error)"/>
    /// with a connection's <see cref="Http1HeadMemo{THead}"/>: a request that repeats the last one byte
    /// for byte is copied from its parsed head.
    /// </summary>
    public static Http1ParseStatus TryParseRequest(
        in ReadOnlySequence<byte> buffer,
        HttpRequestHead head,
        in Http1Limits limits,
        Http1HeadMemo<HttpRequestHead> memo,
        out SequencePosition consumed,
        out Http1Error error)
        => Http1HeadParser.TryParse<HttpRequestHead, RequestHeadSyntax>(buffer, head, limits, memo, out consumed, out error);
}
