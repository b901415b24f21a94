using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// A raw client for drills that need to act in the middle of a message: it sends a request, reads
/// the response head, then counts body bytes as they arrive; it can pause reading (so the proxy
/// must hold back, not buffer), and vanish with FIN or RST.
/// </summary>
internal sealed class StreamingClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;
    private Task<Outcome>? _reading;

    private StreamingClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>How the response ended: its status and Content-Length (-1 when none), body bytes received, and whether the peer closed.</summary>
    public sealed record Outcome(int Status, long ContentLength, long BodyBytes, bool ClosedByPeer);

    public long BodyBytesReceived => Volatile.Read(ref _received);

    public static async Task<StreamingClient> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint).ConfigureAwait(false);
        return new StreamingClient(socket);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.ASCII.GetBytes(text)).ConfigureAwait(false);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes).ConfigureAwait(false);

    /// <summary>
    /// Starts reading the response. With <paramref name="pauseAfter"/>, reading stops once that many
    /// body bytes arrived, until <see cref="Resume"/>.
    /// </summary>
    public void StartReading(long pauseAfter = long.MaxValue) => _reading = Task.Run(() => ReadAsync(pauseAfter));

    public Task<Outcome> Completion => _reading ?? throw new InvalidOperationException("not reading");

    public void Resume() => _resume.TrySetResult();

    /// <summary>Vanishes: FIN (a clean close) or RST (linger 0, as a crashed client would).</summary>
    public void Vanish(bool reset)
    {
        if (reset)
        {
            _socket.LingerState = new LingerOption(true, 0);
        }

        _socket.Close();
    }

    private async Task<Outcome> ReadAsync(long pauseAfter)
    {
        var buffer = new byte[64 * 1024];
        var head = new StringBuilder();
        var status = 0;
        var contentLength = -1L;
        var paused = false;
        try
        {
            while (true)
            {
                if (!paused && status != 0 && Volatile.Read(ref _received) >= pauseAfter)
                {
                    paused = true;
                    await _resume.Task.ConfigureAwait(false);
                }

                var n = await _stream.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0)
                {
                    return new Outcome(status, contentLength, BodyBytesReceived, ClosedByPeer: true);
                }

                var offset = 0;
                if (status == 0)
                {
                    head.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    var end = head.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        continue;
                    }

                    var text = head.ToString();
                    status = int.Parse(text.AsSpan(9, 3), CultureInfo.InvariantCulture);
                    foreach (var line in text[..end].Split("\r\n"))
                    {
                        if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                        {
                            contentLength = long.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
                        }
                    }

                    offset = n - (text.Length - (end + 4));
                }

                Interlocked.Add(ref _received, n - offset);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return new Outcome(status, contentLength, BodyBytesReceived, ClosedByPeer: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        _socket.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (_reading is not null)
        {
            await _reading.ConfigureAwait(false);
        }
    }
}
