using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>Response heads: status line (RFC 9112 §4), then fields and framing rules.</summary>
internal readonly struct ResponseHeadSyntax : IHttp1HeadSyntax<HttpResponseHead>
{
    private const int StatusLineMinLength = 12; // "HTTP/1.1 200"

    public static HeadScanOptions ScanOptions(in Http1Limits limits) => HeadScanOptions.Response(limits);

    public static Http1Error Parse(HttpResponseHead head, ByteRange range, int startLineLength)
    {
        var bytes = head.Span(range);
        var error = ParseStatusLine(bytes[..startLineLength], range.Start, head);
        if (error != Http1Error.None)
        {
            return error;
        }

        var handler = new ResponseFieldHandler(head);
        error = Http1HeadParser.ParseFields(bytes, range.Start, startLineLength, ref handler);
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
