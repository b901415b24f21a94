namespace Engine.Transport;

/// <summary>Socket and buffer settings shared by listeners and upstream connections.</summary>
internal sealed record TransportSettings
{
    /// <summary>
    /// Environment variable that picks the transport for a whole process (<c>kestrel</c> or
    /// <c>epoll</c>), so a benchmark can compare both on the same binary.
    /// </summary>
    public const string KindVariable = "ENGINE_TRANSPORT";

    /// <summary>
    /// Which transport carries connections; see <see cref="DefaultKind"/>. Epoll needs 64-bit
    /// Linux; elsewhere the Kestrel transport is used whatever this says.
    /// </summary>
    public TransportKind Kind { get; init; } = DefaultKind;

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
    /// Number of I/O queues of the Kestrel transport; 0 lets every socket completion run inline
    /// on its epoll thread, which is what <see cref="SocketTransports"/> configures.
    /// </summary>
    public int IOQueueCount { get; init; }

    /// <summary>Event-loop threads of the epoll transport; 0: one per processor the process may use.</summary>
    public int EventLoops { get; init; }

    public int Backlog { get; init; } = 1024;

    /// <summary>
    /// The transport when nothing says otherwise: <see cref="KindVariable"/> if set, else epoll
    /// (perf/results/transport/README.md has the measurements behind the choice).
    /// </summary>
    public static TransportKind DefaultKind { get; } = Environment.GetEnvironmentVariable(KindVariable) switch
    {
        "kestrel" or "Kestrel" => TransportKind.Kestrel,
        _ => TransportKind.Epoll,
    };
}
