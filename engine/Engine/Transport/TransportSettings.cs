namespace Engine.Transport;

/// <summary>Socket and buffer settings shared by listeners and upstream connections.</summary>
internal sealed record TransportSettings
{
    /// <summary>Pool block size; 32 KiB measured best for 64 KiB bodies (DESIGN.md).</summary>
    public int BlockSize { get; init; } = 32 * 1024;

    public int MaxRetainedBlocks { get; init; } = 1024;

    /// <summary>
    /// Bytes read from a socket and not yet consumed before reading pauses (TCP then holds the
    /// peer). Must exceed the largest head we accept (60 KiB) or a big head could never complete.
    /// 256 KiB rather than Envoy's 1 MiB watermark: a stalled download holds this on the upstream
    /// side plus <see cref="MaxWriteBufferedBytes"/> on the client side, and the slow-reader drill
    /// (150 readers of 4 MiB answers) measured 2 MiB per reader with 1 MiB on both sides.
    /// </summary>
    public long MaxReadBufferedBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Bytes written and not yet taken by the socket before a flush waits (back-pressure to the
    /// copy loop). Kestrel's own default; the kernel's send buffer is behind it anyway.
    /// </summary>
    public long MaxWriteBufferedBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Number of I/O queues; 0 lets every socket completion run inline on its epoll thread,
    /// which is what <see cref="SocketTransports"/> configures.
    /// </summary>
    public int IOQueueCount { get; init; }

    public int Backlog { get; init; } = 1024;
}
