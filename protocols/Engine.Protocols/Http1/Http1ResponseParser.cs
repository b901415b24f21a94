using System.Buffers;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Parses an HTTP/1.x response head from an upstream (RFC 9112 §4, robustness.md §1.6). Same field
/// rules as requests; every error means: answer 502 downstream and do not reuse the upstream
/// connection (RFC 9112 §6.3 rule 5). Whitespace before a colon, which RFC 9112 §5.1 lets a proxy
/// strip from a response, is rejected too: we never guess what the server meant.
/// </summary>
public static class Http1ResponseParser
{
    /// <summary>
    /// Parses one response head; same contract as <see cref="Http1RequestParser.TryParseRequest"/>.
    /// A 1xx head parses like any other; the caller loops to the final response and enforces
    /// <see cref="Http1Limits.MaxInformationalResponses"/>.
    /// </summary>
    public static Http1ParseStatus TryParseResponse(
        in ReadOnlySequence<byte> buffer,
        HttpResponseHead head,
        in Http1Limits limits,
        out SequencePosition consumed,
        out Http1Error error)
        => Http1HeadParser.TryParse<HttpResponseHead, ResponseHeadSyntax>(buffer, head, limits, out consumed, out error);

    /// <summary>
    /// <see cref="TryParseResponse(in ReadOnlySequence{byte}, HttpResponseHead, in Http1Limits, out SequencePosition, out Http1Error)"/>
    /// with a connection's <see cref="Http1HeadMemo{THead}"/>: a response head that repeats the last
    /// one byte for byte is copied from its parsed head.
    /// </summary>
    public static Http1ParseStatus TryParseResponse(
        in ReadOnlySequence<byte> buffer,
        HttpResponseHead head,
        in Http1Limits limits,
        Http1HeadMemo<HttpResponseHead> memo,
        out SequencePosition consumed,
        out Http1Error error)
        => Http1HeadParser.TryParse<HttpResponseHead, ResponseHeadSyntax>(buffer, head, limits, memo, out consumed, out error);
}
