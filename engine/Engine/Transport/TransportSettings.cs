namespace Engine.Transport;

/// <summary>Socket and buffer settings shared by listeners and upstream connections.</summary>
internal sealed record TransportSettings
{
    /// <summary>Pool block size; 32 KiB measured best for 64 KiB bodies (DESIGN.md).</summary>
    public int BlockSize { get; init; } = 32 * 1024;

    public int MaxRetainedBlocks { get; init; } = 1024;

    /// <summary>
    /// Pipe back-pressure threshold per direction (robustness.md §3.3: 1 MiB per-connection
    /// buffer). A slow reader stops the other side's reads instead of growing memory.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Number of I/O queues; 0 lets every socket completion run inline on its epoll thread,
    /// which is what <see cref="SocketTransports"/> configures.
    /// </summary>
    public int IOQueueCount { get; init; }

    public int Backlog { get; init; } = 1024;
}
