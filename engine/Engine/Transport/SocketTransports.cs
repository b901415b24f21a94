using System.Runtime.CompilerServices;
using Engine.Transport.Epoll;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Engine.Transport;

/// <summary>
/// Builds the socket transport for both sides — the listener factory for downstream and the
/// factory of upstream connections — so the forwarder sees pipes on both ends. Which transport is
/// <see cref="TransportSettings.Kind"/>: our epoll transport (Transport/Epoll) or Kestrel's.
/// </summary>
/// <remarks>
/// <para>
/// Kestrel: <c>UnsafePreferInlineScheduling</c> on both sides, with
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> set by the host before the first socket,
/// runs everything on the epoll threads with no thread-pool hop: 4.5 → 2.1 CPU-s per 100k
/// requests in the measurement that preceded this code (DESIGN.md). The price: nothing on the
/// request path may block. The epoll transport has the same model by construction.
/// </para>
/// <para>
/// The memory-pool factory is an internal property of Kestrel's options in .NET 10; it is
/// reached with <see cref="UnsafeAccessorAttribute"/> (checked at compile time by the AOT
/// compiler, no reflection). If a future framework drops it, start-up fails loudly rather than
/// silently falling back to the unpinned pool.
/// </para>
/// </remarks>
internal static class SocketTransports
{
    public static IConnectionListenerFactory CreateListenerFactory(TransportSettings settings, ILoggerFactory? loggerFactory = null)
    {
        if (UsesEpoll(settings))
        {
            return new EpollListenerFactory(new EpollTransport(settings, CreatePool(settings)));
        }

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

    public static IClientConnectionFactory CreateUpstreamFactory(TransportSettings settings, ILogger? logger = null)
    {
        if (UsesEpoll(settings))
        {
            return new EpollClientConnectionFactory(new EpollTransport(settings, CreatePool(settings)));
        }

        var options = new SocketConnectionFactoryOptions
        {
            UnsafePreferInlineScheduling = true,
            WaitForDataBeforeAllocatingBuffer = true,
            IOQueueCount = settings.IOQueueCount,
            MaxReadBufferSize = settings.MaxReadBufferedBytes,
            MaxWriteBufferSize = settings.MaxWriteBufferedBytes,
        };
        SetMemoryPoolFactory(options, new PinnedBlockMemoryPoolFactory(settings.BlockSize, settings.MaxRetainedBlocks));
        return new KestrelClientConnectionFactory(new SocketConnectionContextFactory(options, logger ?? NullLogger.Instance));
    }

    /// <summary>The transport <paramref name="settings"/> end up with on this machine.</summary>
    public static TransportKind EffectiveKind(TransportSettings settings) => UsesEpoll(settings) ? TransportKind.Epoll : TransportKind.Kestrel;

    private static bool UsesEpoll(TransportSettings settings) => settings.Kind == TransportKind.Epoll && EpollTransport.IsSupported;

    private static PinnedBlockMemoryPool CreatePool(TransportSettings settings) => new(settings.BlockSize, settings.MaxRetainedBlocks);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketTransportOptions options, IMemoryPoolFactory<byte> factory);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketConnectionFactoryOptions options, IMemoryPoolFactory<byte> factory);
}
