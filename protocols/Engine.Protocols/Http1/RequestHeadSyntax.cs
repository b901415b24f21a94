using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>Request heads: request line (RFC 9112 §3), then fields and request-wide rules.</summary>
internal readonly struct RequestHeadSyntax : IHttp1HeadSyntax<HttpRequestHead>
{
    public static HeadScanOptions ScanOptions(in Http1Limits limits) => HeadScanOptions.Request(limits);

    public static Http1Error Parse(HttpRequestHead head, ByteRange range, int startLineLength)
    {
        var bytes = head.Span(range);
        var error = Http1RequestLineParser.Parse(bytes[..startLineLength], range.Start, head, out var pathNeedsSlash);
        if (error != Http1Error.None)
        {
            return error;
        }

        var handler = new RequestFieldHandler(head);
        error = Http1HeadParser.ParseFields(bytes, range.Start, startLineLength, ref handler);
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
