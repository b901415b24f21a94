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
    /// Pipe back-pressure threshold per direction (robustness.md §3.3: 1 MiB per-connection
    /// buffer). A slow reader stops the other side's reads instead of growing memory.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 1024 * 1024;

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
