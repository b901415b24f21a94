using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// A raw TCP client for requests HttpClient refuses to send (malformed framing, pipelining) and
/// for watching what the proxy does with the connection afterwards.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _stream.ReadTimeout = 15_000;
    }

    public static async Task<RawHttp> ConnectAsync(IPEndPoint endpoint)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(endpoint).ConfigureAwait(false);
        return new RawHttp(client);
    }

    public Socket Socket => _client.Client;

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes).ConfigureAwait(false);

    /// <summary>Reads until the peer closes (or the timeout), returning everything received.</summary>
    public async Task<string> ReadToEndAsync(int timeoutMs = 15_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // Reset by the peer: what arrived before is still the answer.
        }

        return text.ToString();
    }

    /// <summary>Reads one response with a Content-Length or chunked body (trailers skipped).</summary>
    public async Task<RawResponse> ReadResponseAsync(int timeoutMs = 15_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var received = new List<byte>();
        var buffer = new byte[1];
        while (true)
        {
            var n = await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("connection closed before a complete head: " + Encoding.Latin1.GetString(received.ToArray()));
            }

            received.Add(buffer[0]);
            if (received.Count >= 4 && received[^1] == '\n' && received[^2] == '\r' && received[^3] == '\n' && received[^4] == '\r')
            {
                break;
            }
        }

        var head = Encoding.Latin1.GetString(received.ToArray());
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToLookup(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        if (headers["transfer-encoding"].Any(v => v.Equals("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            return new RawResponse(status, headers, Encoding.UTF8.GetString(await ReadChunkedBodyAsync(cts.Token).ConfigureAwait(false)));
        }

        var length = headers["content-length"].Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await _stream.ReadAsync(body.AsMemory(read), cts.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("connection closed inside the body");
            }

            read += n;
        }

        return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    private async Task<byte[]> ReadChunkedBodyAsync(CancellationToken cancel)
    {
        var body = new MemoryStream();
        while (true)
        {
            var size = Convert.ToInt32((await ReadLineAsync(cancel).ConfigureAwait(false)).Split(';')[0], 16);
            if (size == 0)
            {
                while ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length > 0)
                {
                    // a trailer field
                }

                return body.ToArray();
            }

            var data = new byte[size];
            await _stream.ReadExactlyAsync(data, cancel).ConfigureAwait(false);
            body.Write(data);
            await ReadLineAsync(cancel).ConfigureAwait(false); // the CRLF after the data
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await _stream.ReadAsync(one, cancel).ConfigureAwait(false) == 1)
        {
            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        throw new EndOfStreamException("connection closed inside a chunked body");
    }

    /// <summary>True when the peer has closed the connection (a read returns end of stream or reset).</summary>
    public async Task<bool> IsClosedByPeerAsync(int timeoutMs = 15_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed record RawResponse(int Status, ILookup<string, string> Headers, string Body);
