using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// What every connection of one factory shares: the loops, the pinned pool and the pipe options.
/// </summary>
internal sealed class EpollTransport
{
    public EpollTransport(TransportSettings settings, MemoryPool<byte> pool)
    {
        Settings = settings;
        Pool = pool;
        Loops = EpollLoopGroup.Get(settings.EventLoops);

        // Both pipes resume their continuations inline: the proxy runs on the loop thread that
        // saw the bytes, and a flush writes to the socket on the thread that flushed (one sendmsg
        // per flush, no hop). Back-pressure: a reader that falls behind by MaxBufferedBytes
        // pauses the writer (the socket's reads, or the proxy's flush) until half is drained.
        var pause = settings.MaxBufferedBytes;
        InputOptions = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, pause, pause / 2, settings.BlockSize, useSynchronizationContext: false);
        OutputOptions = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, pause, pause / 2, settings.BlockSize, useSynchronizationContext: false);

        // Read into the rest of the current block only if half a block is left (as Kestrel does):
        // a read into a sliver fills it and costs a second read for the same data.
        ReadHint = Math.Max(1024, settings.BlockSize / 2);

        // Reads between flushes: a 64 KiB response is 2–3 reads of 32 KiB blocks, and flushing
        // once after all of them lets the proxy forward it with one sendmsg instead of three.
        MaxBytesPerFlush = (int)Math.Clamp(pause / 4, settings.BlockSize, 4 * settings.BlockSize);
    }

    /// <summary>epoll, and a 64-bit Linux whose epoll_event layout <see cref="EpollEvents"/> knows.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public TransportSettings Settings { get; }

    public MemoryPool<byte> Pool { get; }

    public EpollLoopGroup Loops { get; }

    public PipeOptions InputOptions { get; }

    public PipeOptions OutputOptions { get; }

    public int ReadHint { get; }

    public int MaxBytesPerFlush { get; }
}
