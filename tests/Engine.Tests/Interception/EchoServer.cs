using System.Net;
using System.Net.Sockets;

namespace Engine.Tests.Interception;

/// <summary>
/// A loopback TCP echo server: sends back what it gets and answers a FIN with a FIN; counts
/// accepted connections. A <c>greeting</c> runs first on each connection (a forward proxy's
/// CONNECT exchange, say); the echo follows when it returns true.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Func<Socket, CancellationToken, Task<bool>>? _greeting;
    private readonly Task _accepting;
    private int _count;

    public EchoServer(Func<Socket, CancellationToken, Task<bool>>? greeting = null)
    {
        _greeting = greeting;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Accepted => Volatile.Read(ref _count);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _count);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }

                _ = EchoAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            if (_greeting is not null && !await _greeting(socket, _stop.Token))
            {
                return;
            }

            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Reset by the proxy, or stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }
}
