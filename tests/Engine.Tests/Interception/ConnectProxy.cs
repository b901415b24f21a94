using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.Tests.Interception;

/// <summary>
/// A forward proxy on loopback for tunnel tests: reads one request head per connection, keeps it,
/// answers <see cref="Answer"/> (with <see cref="Banner"/> in the same write, as a server speaking
/// first through the tunnel would), then echoes what comes.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _accepting;

    public ConnectProxy(string answer, string banner = "")
    {
        Answer = answer;
        Banner = banner;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public string Answer { get; }

    public string Banner { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public System.Collections.Concurrent.ConcurrentQueue<string> Heads { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }

                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, _stop.Token) == 0)
                {
                    return;
                }

                head.Add(one[0]);
            }

            Heads.Enqueue(Encoding.ASCII.GetString([.. head]));
            await socket.SendAsync(Encoding.ASCII.GetBytes(Answer + Banner), SocketFlags.None, _stop.Token);
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) is var n and > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
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
