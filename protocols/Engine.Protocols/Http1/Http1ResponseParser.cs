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
    private const int StatusLineMinLength = 12; // "HTTP/1.1 200"

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
    {
        consumed = buffer.Start;
        var status = Http1HeadScanner.Scan(buffer, HeadScanOptions.Response(limits), out var extent, out error);
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

    private static Http1Error Parse(HttpResponseHead head, ByteRange range, int startLineLength)
    {
        var bytes = head.Span(range);
        var error = ParseStatusLine(bytes[..startLineLength], range.Start, head);
        if (error != Http1Error.None)
        {
            return error;
        }

        var fieldsStart = startLineLength + 2;
        var handler = new ResponseFieldHandler(head);
        error = Http1FieldParser.Parse(bytes[fieldsStart..^2], range.Start + fieldsStart, ref handler);
        return error != Http1Error.None ? error : handler.Finish();
    }

    /// <summary>
    /// RFC 9112 §4 status-line = HTTP-version SP status-code SP [ reason-phrase ]. A recipient SHOULD
    /// accept a missing SP before an empty reason, so "HTTP/1.1 204" passes. status-code = 3DIGIT; we
    /// take 100–999 (a leading 0 is not a status). reason-phrase = *( HTAB / SP / VCHAR / obs-text ).
    /// </summary>
    private static Http1Error ParseStatusLine(ReadOnlySpan<byte> line, int offset, HttpResponseHead head)
    {
        if (line.Length < StatusLineMinLength)
        {
            return Http1Error.InvalidStatusLine;
        }

        var error = Http1Versions.Parse(line[..Http1Versions.Length], Http1Error.InvalidStatusLine, out var version);
        if (error != Http1Error.None)
        {
            return error;
        }

        var code = line.Slice(9, 3);
        if (line[8] != Http1Chars.SP || code.ContainsAnyExcept(Http1Chars.Digits) || code[0] == (byte)'0')
        {
            return Http1Error.InvalidStatusLine;
        }

        var reason = ByteRange.Empty;
        if (line.Length > StatusLineMinLength)
        {
            if (line[StatusLineMinLength] != Http1Chars.SP || line[(StatusLineMinLength + 1)..].ContainsAny(Http1Chars.InvalidFieldValue))
            {
                return Http1Error.InvalidStatusLine;
            }

            reason = new ByteRange(offset + StatusLineMinLength + 1, line.Length - StatusLineMinLength - 1);
        }

        head.Version = version;
        head.StatusCode = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        head.Reason = reason;
        return Http1Error.None;
    }
}
