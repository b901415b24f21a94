using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Drain;

/// <summary>
/// An HTTP/1.1 client that keeps one connection alive and tells apart exactly what the drain
/// test must tell apart: a complete response (with or without <c>connection: close</c>), a
/// connection refused (never accepted: fine during a drain), and anything else (a reset, a
/// truncated response: a lost request).
/// </summary>
internal sealed class KeepAliveClient : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Socket _socket;
    private int _start;
    private int _end;

    private KeepAliveClient(Socket socket) => _socket = socket;

    /// <summary>Connects, or returns null when the connection is refused.</summary>
    public static async Task<KeepAliveClient?> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellation)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellation);
            return new KeepAliveClient(socket);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Sends one request and reads its whole response; throws on anything but a complete response.</summary>
    public async Task<(int Status, bool Close, int BodyLength)> SendAsync(string request, CancellationToken cancellation)
    {
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellation);
        var head = await ReadHeadAsync(cancellation);
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var length = 0;
        var close = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("connection", StringComparison.OrdinalIgnoreCase) && value.Equals("close", StringComparison.OrdinalIgnoreCase))
            {
                close = true;
            }
        }

        var remaining = length;
        while (remaining > 0)
        {
            if (_start == _end)
            {
                await FillAsync(cancellation, "the body");
            }

            var take = Math.Min(remaining, _end - _start);
            _start += take;
            remaining -= take;
        }

        return (status, close, length);
    }

    private async Task<string> ReadHeadAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var end = span.IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(span[..end]);
                _start += end + 4;
                return head;
            }

            if (_start > 0)
            {
                span.CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            await FillAsync(cancellation, _end == 0 ? "any response byte" : "a complete head");
        }
    }

    private async Task FillAsync(CancellationToken cancellation, string waitingFor)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellation);
        if (n == 0)
        {
            throw new IOException("connection closed before " + waitingFor);
        }

        _end += n;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
