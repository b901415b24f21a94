namespace Engine.Protocols.Http2;

/// <summary>
/// Limits and flood thresholds of the HTTP/2 codec, with the Envoy-sidecar defaults chosen in
/// robustness.md §3.3. Use <see cref="Default"/> (or <c>new()</c>); <c>default(Http2Limits)</c>
/// has every limit at zero and refuses everything.
/// </summary>
public readonly record struct Http2Limits()
{
    public static Http2Limits Default => new();

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS we advertise; a stream beyond it is refused (REFUSED_STREAM).</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE we advertise for each stream (Envoy: 1 MiB).</summary>
    public int InitialStreamWindowSize { get; init; } = 1024 * 1024;

    /// <summary>Receive window of the whole connection, grown from RFC's 65,535 by a WINDOW_UPDATE at start (Envoy: 1 MiB).</summary>
    public int InitialConnectionWindowSize { get; init; } = 1024 * 1024;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE we advertise: the peer's encoder may use this much of our decoder's memory.</summary>
    public int HeaderTableSize { get; init; } = 4096;

    /// <summary>Most dynamic-table memory our encoder uses, even if the peer allows more; 0 turns indexing off.</summary>
    public int EncoderTableSize { get; init; } = 4096;

    /// <summary>
    /// Huffman-code the strings our encoder sends when that is shorter. Off: it saves about a quarter
    /// of the literal bytes for several hundred nanoseconds per head on each side (see <see cref="Hpack.HpackEncoder"/>).
    /// </summary>
    public bool EncoderHuffman { get; init; }

    /// <summary>SETTINGS_MAX_FRAME_SIZE we advertise; a larger frame is a FRAME_SIZE_ERROR (RFC 9113 §4.2).</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024;

    /// <summary>Sum of decoded name and value lengths of one field section; more → 431 / RST_STREAM (Envoy max_request_headers_kb 60).</summary>
    public int MaxHeaderListBytes { get; init; } = 60 * 1024;

    /// <summary>Fields in one section, pseudo-header fields and each cookie crumb included (Envoy max_headers_count 100).</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// Encoded bytes of one field block (HEADERS + CONTINUATION) buffered before decoding. Twice the
    /// decoded budget: an encoder only Huffman-codes a string when that is shorter, so a block within
    /// the decoded budget stays well within this one. More → connection error.
    /// </summary>
    public int MaxHeaderBlockBytes { get; init; } = 120 * 1024;

    /// <summary>CONTINUATION frames after one HEADERS (nghttp2's max_continuations, CVE-2024-27316 and kin).</summary>
    public int MaxContinuationFrames { get; init; } = 512;

    /// <summary>Frames queued for the peer and not yet written (Envoy max_outbound_frames).</summary>
    public int MaxOutboundFrames { get; init; } = 10_000;

    /// <summary>PING/SETTINGS acknowledgements and RST_STREAM queued and not yet written (Envoy max_outbound_control_frames).</summary>
    public int MaxOutboundControlFrames { get; init; } = 1000;

    /// <summary>Consecutive DATA/HEADERS/CONTINUATION frames with an empty payload and no end flag (CVE-2019-9518).</summary>
    public int MaxConsecutiveEmptyFrames { get; init; } = 1;

    /// <summary>PRIORITY frames allowed per opened stream: more than this × (1 + streams opened) closes the connection (CVE-2019-9513).</summary>
    public int MaxPriorityFramesPerStream { get; init; } = 100;

    /// <summary>WINDOW_UPDATE frames allowed per DATA frame sent, in Envoy's formula (see <see cref="Http2WindowUpdateGuard"/>).</summary>
    public int MaxWindowUpdateFramesPerDataFrameSent { get; init; } = 10;

    /// <summary>Closed streams before the premature-reset ratio is judged (Envoy overload.premature_reset_total_stream_count).</summary>
    public int PrematureResetTotalStreamCount { get; init; } = 500;

    /// <summary>A stream reset younger than this is "premature" (Envoy overload.premature_reset_min_stream_lifetime_seconds).</summary>
    public TimeSpan PrematureResetMinStreamLifetime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Streams the peer has reset while the proxy's work for them still runs: the client frees its
    /// concurrency slot at once, so without this cap the work is unbounded (robustness.md §3.3: 2 × max concurrent).
    /// </summary>
    public int MaxResetStreamsInFlight { get; init; } = 200;
}
