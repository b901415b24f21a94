using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// What differs between a request head and a response head: how the scan is bounded and how the
/// copied head is read. <see cref="Http1HeadParser"/> does the rest for both, specialised per type
/// through static abstract members (no virtual calls, no delegates).
/// </summary>
internal interface IHttp1HeadSyntax<in THead>
    where THead : HttpHead
{
    static abstract HeadScanOptions ScanOptions(in Http1Limits limits);

    /// <summary>Reads the head copied at <paramref name="range"/> of the arena (start line, fields, final CRLF).</summary>
    static abstract Http1Error Parse(THead head, ByteRange range, int startLineLength);
}
