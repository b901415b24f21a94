using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Engine.Transport;
using Engine.Transport.Epoll;
using Microsoft.AspNetCore.Connections;

namespace Engine.Tests.Transport;

/// <summary>
/// A listener on the epoll transport at 127.0.0.1:0 whose accepted connections go to a handler,
/// plus a client factory on the same transport. Everything is loopback.
/// </summary>
internal sealed class EpollHarness : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly Task _acceptLoop;
    private readonly List<Task> _sessions = [];
    private readonly Lock _gate = new();

    private EpollHarness(EpollTransport transport, IConnectionListener listener, Func<ConnectionContext, Task> handler)
    {
        Transport = transport;
        _listener = listener;
        Clients = new EpollClientConnectionFactory(transport);
        _acceptLoop = AcceptAsync(handler);
    }

    public EpollTransport Transport { get; }

    public IClientConnectionFactory Clients { get; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    /// <summary>Epoll settings; the thresholds default to the engine's (256 KiB read, 64 KiB write).</summary>
    public static TransportSettings Settings(long maxRead = 256 * 1024, long maxWrite = 64 * 1024, int blockSize = 32 * 1024)
        => new() { Kind = TransportKind.Epoll, MaxReadBufferedBytes = maxRead, MaxWriteBufferedBytes = maxWrite, BlockSize = blockSize, EventLoops = 2 };

    public static async Task<EpollHarness> StartAsync(Func<ConnectionContext, Task> handler, TransportSettings? settings = null, MemoryPool<byte>? pool = null, EndPoint? bind = null)
    {
        settings ??= Settings();
        var transport = new EpollTransport(settings, pool ?? new PinnedBlockMemoryPool(settings.BlockSize, 64));
        var listener = await new EpollListenerFactory(transport).BindAsync(bind ?? new IPEndPoint(IPAddress.Loopback, 0));
        return new EpollHarness(transport, listener, handler);
    }

    /// <summary>Reads everything and writes it back, then completes.</summary>
    public static async Task Echo(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var read = await input.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(read.Buffer.End);
            var flush = await output.FlushAsync();
            if (read.IsCompleted || flush.IsCompleted)
            {
                break;
            }
        }

        await output.CompleteAsync();
    }

    public async Task<ConnectionContext> ConnectAsync()
    {
        var result = await Clients.ConnectAsync(EndPoint, default, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(ClientConnectStatus.Connected, result.Status);
        return result.Connection!;
    }

    /// <summary>A plain System.Net socket connected to the listener (the other end of the wire).</summary>
    public async Task<Socket> ConnectSocketAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return socket;
    }

    private async Task AcceptAsync(Func<ConnectionContext, Task> handler)
    {
        while (await _listener.AcceptAsync() is { } connection)
        {
            lock (_gate)
            {
                _sessions.Add(RunAsync(connection, handler));
            }
        }
    }

    private static async Task RunAsync(ConnectionContext connection, Func<ConnectionContext, Task> handler)
    {
        try
        {
            await handler(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync();
        await _acceptLoop;
        Task[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(30));
        await _listener.DisposeAsync();
    }
}
