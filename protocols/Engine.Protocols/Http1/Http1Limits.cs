namespace Engine.Protocols.Http1;

/// <summary>
/// Size and count limits of the HTTP/1.x codec. Defaults are the Envoy-sidecar ones chosen in
/// robustness.md §3.3. Use <see cref="Default"/> (or <c>new()</c>); <c>default(Http1Limits)</c>
/// has every limit at zero and rejects everything.
/// </summary>
public readonly record struct Http1Limits()
{
    public static Http1Limits Default => new();

    /// <summary>Request line without its CRLF; longer → 414 (RFC 9112 §3: MUST 414; support at least 8000).</summary>
    public int MaxRequestLineBytes { get; init; } = 16 * 1024;

    /// <summary>Whole head (start line, fields, CRLFs) and, separately, a trailer section; larger → 431 (502 upstream).</summary>
    public int MaxHeadBytes { get; init; } = 60 * 1024;

    /// <summary>Field lines in a head or trailer section; more → 431 (502 upstream).</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>One chunk-size line without its CRLF (size plus extensions; RFC 9112 §7.1.1 "ought to limit").</summary>
    public int MaxChunkLineBytes { get; init; } = 4 * 1024;

    /// <summary>All chunk extensions of one message together.</summary>
    public int MaxChunkExtensionBytesPerMessage { get; init; } = 16 * 1024;

    /// <summary>
    /// 1xx interim responses to accept before the final one. The response parser parses one head at
    /// a time; the caller that loops over interim responses enforces this (→ 502).
    /// </summary>
    public int MaxInformationalResponses { get; init; } = 10;
}
