namespace Engine.Protocols.Http1;

/// <summary>What <see cref="Http1HeadScanner"/> checks while it looks for the end of a head or trailer section.</summary>
internal readonly record struct HeadScanOptions(
    bool HasStartLine,
    bool SkipLeadingEmptyLine,
    int MaxStartLineBytes,
    Http1Error StartLineTooLong,
    Http1Error InvalidStartLine,
    int MaxBytes,
    int MaxFieldLines)
{
    public static HeadScanOptions Request(in Http1Limits limits) => new(
        HasStartLine: true,
        SkipLeadingEmptyLine: true,
        limits.MaxRequestLineBytes,
        Http1Error.RequestLineTooLong,
        Http1Error.InvalidRequestLine,
        limits.MaxHeadBytes,
        limits.MaxHeaderCount);

    // A status line has no limit of its own: it counts against the head budget like a field line.
    public static HeadScanOptions Response(in Http1Limits limits) => new(
        HasStartLine: true,
        SkipLeadingEmptyLine: false,
        limits.MaxHeadBytes,
        Http1Error.HeadersTooLarge,
        Http1Error.InvalidStatusLine,
        limits.MaxHeadBytes,
        limits.MaxHeaderCount);

    public static HeadScanOptions Trailers(in Http1Limits limits) => new(
        HasStartLine: false,
        SkipLeadingEmptyLine: false,
        0,
        Http1Error.None,
        Http1Error.None,
        limits.MaxHeadBytes,
        limits.MaxHeaderCount);
}
