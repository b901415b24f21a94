using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Engine.Transport;

/// <summary>
/// Builds Kestrel's socket transport for both sides: the listener factory for downstream and
/// the connection-context factory that wraps upstream sockets, so the forwarder sees pipes on
/// both ends.
/// </summary>
/// <remarks>
/// <para>
/// <c>UnsafePreferInlineScheduling</c> on both sides, with
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> set by the host before the first socket,
/// runs everything on the epoll threads with no thread-pool hop: 4.5 → 2.1 CPU-s per 100k
/// requests in the measurement that preceded this code (DESIGN.md). The price: nothing on the
/// request path may block.
/// </para>
/// <para>
/// The memory-pool factory is an internal property of the options in .NET 10; it is reached
/// with <see cref="UnsafeAccessorAttribute"/> (checked at compile time by the AOT compiler, no
/// reflection). If a future framework drops it, start-up fails loudly rather than silently
/// falling back to the unpinned pool.
/// </para>
/// </remarks>
internal static class SocketTransports
{
    public static IConnectionListenerFactory CreateListenerFactory(TransportSettings settings, ILoggerFactory? loggerFactory = null)
    {
        var options = new SocketTransportOptions
        {
            UnsafePreferInlineScheduling = true,
            WaitForDataBeforeAllocatingBuffer = true,
            NoDelay = true,
            Backlog = settings.Backlog,
            IOQueueCount = settings.IOQueueCount,
            MaxReadBufferSize = settings.MaxReadBufferedBytes,
            MaxWriteBufferSize = settings.MaxWriteBufferedBytes,
        };
        SetMemoryPoolFactory(options, new PinnedBlockMemoryPoolFactory(settings.BlockSize, settings.MaxRetainedBlocks));
        return new SocketTransportFactory(Options.Create(options), loggerFactory ?? NullLoggerFactory.Instance);
    }

    public static SocketConnectionContextFactory CreateUpstreamFactory(TransportSettings settings, ILogger? logger = null)
    {
        var options = new SocketConnectionFactoryOptions
        {
            UnsafePreferInlineScheduling = true,
            WaitForDataBeforeAllocatingBuffer = true,
            IOQueueCount = settings.IOQueueCount,
            MaxReadBufferSize = settings.MaxReadBufferedBytes,
            MaxWriteBufferSize = settings.MaxWriteBufferedBytes,
        };
        SetMemoryPoolFactory(options, new PinnedBlockMemoryPoolFactory(settings.BlockSize, settings.MaxRetainedBlocks));
        return new SocketConnectionContextFactory(options, logger ?? NullLogger.Instance);
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketTransportOptions options, IMemoryPoolFactory<byte> factory);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketConnectionFactoryOptions options, IMemoryPoolFactory<byte> factory);
}
