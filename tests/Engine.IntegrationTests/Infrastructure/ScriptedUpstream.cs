using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// An upstream that misbehaves on cue: for each request head it reads it runs the script, which
/// can answer anything (garbage, truncated bodies) and close or reset the connection.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ScriptedExchange, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    // Open connections are held here, not only by their serving tasks: a script that waits on a
    // task nothing else references (Task.Delay(Timeout.Infinite)) leaves the TcpClient unrooted,
    // and a GC in a busy full run finalized its socket mid-test, which the engine rightly saw
    // as the upstream resetting (a 503 where the test expected a stall).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TcpClient, byte> _open = new();
    private int _connections;
    private int _requests;

    public ScriptedUpstream(Func<ScriptedExchange, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                _open.TryAdd(client, 0);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var index = 0;
            try
            {
                while (true)
                {
                    var head = await ReadHeadAsync(stream).ConfigureAwait(false);
                    if (head is null)
                    {
                        return;
                    }

                    var exchange = new ScriptedExchange(client, stream, head, Interlocked.Increment(ref _requests), index++);
                    await _script(exchange).ConfigureAwait(false);
                    if (exchange.Closed)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var n = await stream.ReadAsync(one).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                return Encoding.Latin1.GetString(bytes.ToArray());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var client in _open.Keys)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}

/// <summary>One request seen by a <see cref="ScriptedUpstream"/> and the means to answer it.</summary>
internal sealed class ScriptedExchange
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    public ScriptedExchange(TcpClient client, NetworkStream stream, string head, int requestNumber, int indexOnConnection)
    {
        _client = client;
        _stream = stream;
        Head = head;
        RequestNumber = requestNumber;
        IndexOnConnection = indexOnConnection;
    }

    public string Head { get; }

    /// <summary>1-based count of requests across all connections.</summary>
    public int RequestNumber { get; }

    /// <summary>0 for the first request on its connection.</summary>
    public int IndexOnConnection { get; }

    public bool Closed { get; private set; }

    public async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(text)).ConfigureAwait(false);
        await _stream.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Reads exactly <paramref name="length"/> body bytes after the head.</summary>
    public async Task<string> ReadBodyAsync(int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read)).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return Encoding.Latin1.GetString(buffer, 0, read);
    }

    /// <summary>
    /// Reads a chunked body after the head: its decoded bytes, and its trailer section as sent
    /// (empty: none). <paramref name="progress"/> hears the decoded length after each chunk.
    /// </summary>
    public async Task<(byte[] Body, string Trailers)> ReadChunkedBodyAsync(Action<long>? progress = null)
    {
        var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync().ConfigureAwait(false);
            var size = Convert.ToInt32(sizeLine.Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            body.Write(Encoding.Latin1.GetBytes(await ReadBodyAsync(size).ConfigureAwait(false)));
            await ReadLineAsync().ConfigureAwait(false); // the CRLF after the data
            progress?.Invoke(body.Length);
        }

        var trailers = new StringBuilder();
        for (var line = await ReadLineAsync().ConfigureAwait(false); line.Length > 0; line = await ReadLineAsync().ConfigureAwait(false))
        {
            trailers.Append(line).Append("\r\n");
        }

        return (body.ToArray(), trailers.ToString());
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await _stream.ReadAsync(one).ConfigureAwait(false) == 1)
        {
            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        throw new EndOfStreamException("the connection ended inside a chunked body");
    }

    /// <summary>Closes with FIN.</summary>
    public void Close()
    {
        Closed = true;
        _client.Client.Shutdown(SocketShutdown.Both);
        _client.Close();
    }

    /// <summary>Closes with RST (linger 0).</summary>
    public void Reset()
    {
        Closed = true;
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }
}
