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

        // The input pipe resumes the owner inline: the proxy runs on the loop thread that saw the
        // bytes. The output pipe resumes the send loop through BatchEndScheduler: on a loop thread
        // once the batch of events is handled (every send of the batch in one burst, one sendmsg
        // per connection), elsewhere inline on the flushing thread. Back-pressure, with Kestrel's
        // thresholds (resume at half):
        // - input: when the owner leaves MaxReadBufferedBytes unconsumed, the receive loop's
        //   flush waits, so it stops reading and the kernel's window holds the peer;
        // - output: when MaxWriteBufferedBytes are written and not yet taken by the socket (the
        //   peer is not reading), the owner's FlushAsync waits until half has been sent.
        var readPause = settings.MaxReadBufferedBytes;
        var writePause = settings.MaxWriteBufferedBytes;
        InputOptions = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, readPause, readPause / 2, settings.BlockSize, useSynchronizationContext: false);
        OutputOptions = new PipeOptions(pool, BatchEndScheduler.Instance, PipeScheduler.Inline, writePause, writePause / 2, settings.BlockSize, useSynchronizationContext: false);

        // Read into the rest of the current block only if half a block is left (as Kestrel does):
        // a read into a sliver fills it and costs a second read for the same data.
        ReadHint = Math.Max(1024, settings.BlockSize / 2);

        // Reads between flushes: a 64 KiB response is three reads of 32 KiB blocks (its head
        // pushes it past 64 KiB), and flushing once after all of them lets the proxy forward it
        // with one sendmsg. At a quarter of the pause threshold (64 KiB) the last few hundred
        // bytes came in a second burst: two flushes, two sends per answer.
        MaxBytesPerFlush = (int)Math.Clamp(readPause / 2, settings.BlockSize, 4 * settings.BlockSize);
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
