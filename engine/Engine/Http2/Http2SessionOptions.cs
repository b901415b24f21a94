using System.Buffers;
using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// Settings of an HTTP/2 connection, either side: the codec's limits (robustness.md §3.3 defaults)
/// and what the connection machinery adds on top — how much a stream may buffer, how many stream
/// objects a connection keeps for reuse, and how it closes.
/// </summary>
internal sealed record Http2SessionOptions
{
    public static Http2SessionOptions Default { get; } = new();

    public Http2Limits Limits { get; init; } = Http2Limits.Default;

    /// <summary>
    /// Bytes a stream's outgoing body may hold beyond what flow control lets out; past it the
    /// producer's <c>FlushAsync</c> waits. A peer that grants no window (zero-window slow reader,
    /// CVE-2019-9517) therefore costs at most this much per stream (Kestrel's MaxResponseBufferSize: 64 KiB).
    /// </summary>
    public int MaxBufferedBytesPerStream { get; init; } = 64 * 1024;

    /// <summary>Stream objects (heads, pipes) kept per connection for the next streams.</summary>
    public int MaxPooledStreams { get; init; } = 100;

    /// <summary>
    /// After our GOAWAY, how long the connection keeps reading and discarding before the socket is
    /// closed, so the peer reads the GOAWAY instead of a reset (Envoy delayed_close_timeout: 1 s).
    /// </summary>
    public TimeSpan CloseLinger { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes the writer puts in the socket pipe before it flushes, when more work waits (flush batching).</summary>
    public int MaxBatchBytes { get; init; } = 256 * 1024;

    /// <summary>DATA bytes one stream may send per turn of the writer before the others get theirs.</summary>
    public int MaxBytesPerStreamTurn { get; init; } = 64 * 1024;

    /// <summary>
    /// Client: streams a new connection carries before the server's SETTINGS arrive (they come first
    /// thing, one round trip after connecting). The RFC's initial value is unlimited, and a server
    /// that allows fewer than what is sent refuses the excess (REFUSED_STREAM, safe to retry but a
    /// wasted round trip), so the pool sends one stream and lets the others wait for the real limit.
    /// </summary>
    public int InitialPeerMaxConcurrentStreams { get; init; } = 1;

    /// <summary>
    /// Client: most streams a connection carries at once whatever the server allows (DestinationRule
    /// <c>http.maxConcurrentStreams</c>); the limit is the smaller of the two, as Envoy's pool takes
    /// min(max_concurrent_streams, the server's SETTINGS). 0: the server's limit alone.
    /// </summary>
    public int ClientMaxConcurrentStreams { get; init; }

    /// <summary>Client: how long the connection serves (DestinationRule lifetime fields and HTTP/2 keep-alive); all off by default.</summary>
    public Client.Http2ClientLifetime ClientLifetime { get; init; } = Client.Http2ClientLifetime.None;

    /// <summary>How long a graceful close (pool disposal) lets streams in flight finish before they are aborted (Envoy drain_timeout: 5 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Client: interim (1xx) responses accepted before a final one (robustness.md §1.6: cap 1xx floods).</summary>
    public int MaxInformationalResponses { get; init; } = 10;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Pool of the stream body pipes; null: the transport's (IMemoryPoolFeature), else the shared pool.</summary>
    public MemoryPool<byte>? MemoryPool { get; init; }
}
