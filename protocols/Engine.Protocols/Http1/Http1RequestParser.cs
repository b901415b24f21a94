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
    {
        consumed = buffer.Start;
        var status = Http1HeadScanner.Scan(buffer, HeadScanOptions.Request(limits), out var extent, out error);
        if (status != Http1ParseStatus.Complete)
        {
            return status;
        }

        head.Reset();
        var copy = head.Reserve(extent.Length, out var range);
        buffer.Slice(extent.Start, extent.Length).CopyTo(copy);

        error = Parse(head, range, extent.StartLineLength);
        if (error != Http1Error.None)
        {
            return Http1ParseStatus.Error;
        }

        consumed = buffer.GetPosition(extent.End);
        return Http1ParseStatus.Complete;
    }

    private static Http1Error Parse(HttpRequestHead head, ByteRange range, int startLineLength)
    {
        var bytes = head.Span(range);
        var error = Http1RequestLineParser.Parse(bytes[..startLineLength], range.Start, head, out var pathNeedsSlash);
        if (error != Http1Error.None)
        {
            return error;
        }

        var fieldsStart = startLineLength + 2;
        var handler = new RequestFieldHandler(head);
        error = Http1FieldParser.Parse(bytes[fieldsStart..^2], range.Start + fieldsStart, ref handler);
        if (error != Http1Error.None)
        {
            return error;
        }

        error = handler.Finish();
        if (error == Http1Error.None && pathNeedsSlash)
        {
            PrependSlash(head);
        }

        return error;
    }

    /// <summary>
    /// "http://h?q" → "/?q" (RFC 9112 §3.2.1: an empty path is sent as "/"). The only time parsing
    /// writes new bytes, so it runs last: growing the arena would invalidate spans held above.
    /// </summary>
    private static void PrependSlash(HttpRequestHead head)
    {
        var old = head.Path;
        var path = head.Reserve(old.Length + 1, out var range);
        path[0] = Http1Chars.Slash;
        head.Span(old).CopyTo(path[1..]);
        head.Path = range;
        if (head.QueryOffset >= 0)
        {
            head.QueryOffset++;
        }
    }
}
