using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>
/// A raw HTTP/2 client for conformance and attack tests: it writes any frame, valid or not (with
/// the codec's frame writer and a stateless HPACK encoder), and reads the server's frames one by
/// one with the codec's frame reader. Reads time out generously and report the connection's close.
/// </summary>
internal sealed class RawH2Client : IAsyncDisposable
{
    private const int ReadTimeoutMs = 15_000;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private readonly HpackDecoder _decoder = new();
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;

    private RawH2Client(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The frames read so far.</summary>
    public List<RawFrame> Received { get; } = [];

    public Socket Socket => _tcp.Client;

    /// <summary>Connects; a <paramref name="receiveBufferSize"/> (SO_RCVBUF, set before connecting) makes a peer that does not read fill up sooner.</summary>
    public static async Task<RawH2Client> ConnectAsync(IPEndPoint endpoint, int receiveBufferSize = 0)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferSize > 0)
        {
            tcp.ReceiveBufferSize = receiveBufferSize;
        }

        await tcp.ConnectAsync(endpoint);
        return new RawH2Client(tcp);
    }

    /// <summary>Preface + SETTINGS, then reads until the server's SETTINGS (which it acknowledges) arrived.</summary>
    public static async Task<RawH2Client> HandshakeAsync(IPEndPoint endpoint, params Http2Setting[] settings)
    {
        var client = await ConnectAsync(endpoint);
        await client.SendPrefaceAsync(settings);
        var serverSettings = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Settings && !f.IsAck);
        Assert.NotNull(serverSettings);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettingsAck(w)));
        return client;
    }

    public async Task SendPrefaceAsync(params Http2Setting[] settings)
        => await SendAsync([.. Http2Preface.ClientPreface, .. Frames(w => Http2FrameWriter.WriteSettings(w, settings))]);

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken) => await _stream.WriteAsync(bytes, cancellationToken);

    public Task SendFrameAsync(Http2FrameType type, Http2FrameFlags flags, int streamId, params byte[] payload)
        => SendAsync(Frames(w => Http2FrameWriter.WriteFrame(w, type, flags, streamId, payload)));

    /// <summary>A GET for "/" (or the given path) with the given extra fields, as one HEADERS frame.</summary>
    public Task SendRequestAsync(int streamId, bool endStream = true, string path = "/", string method = "GET", params (string Name, string Value)[] fields)
        => SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, streamId, RequestBlock(path, method, fields), endStream, 16_384)));

    public Task SendDataAsync(int streamId, byte[] data, bool endStream)
        => SendAsync(Frames(w => Http2FrameWriter.WriteData(w, streamId, new ReadOnlySequence<byte>(data), endStream, 16_384)));

    public Task SendRstAsync(int streamId, Http2ErrorCode code = Http2ErrorCode.Cancel)
        => SendAsync(Frames(w => Http2FrameWriter.WriteRstStream(w, streamId, code)));

    public Task SendWindowUpdateAsync(int streamId, int increment)
        => SendAsync(Frames(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, increment)));

    /// <summary>An encoded request field block: pseudo-header fields, then the extra fields, as given (no validation).</summary>
    public static byte[] RequestBlock(string path = "/", string method = "GET", params (string Name, string Value)[] fields)
    {
        var all = new List<(string, string)> { (":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path) };
        all.AddRange(fields);
        return Block([.. all]);
    }

    /// <summary>
    /// An encoded field block of exactly these fields, byte for byte (RFC 7541 §6.2.2 literal without
    /// indexing, new name, no Huffman): names are not lowercased, nothing is checked.
    /// </summary>
    public static byte[] Block(params (string Name, string Value)[] fields)
    {
        var block = new List<byte>();
        foreach (var (name, value) in fields)
        {
            block.Add(0x00);
            AddString(block, System.Text.Encoding.Latin1.GetBytes(name));
            AddString(block, System.Text.Encoding.Latin1.GetBytes(value));
        }

        return [.. block];
    }

    /// <summary>RFC 7541 §5.1 integer with a 7-bit prefix (H = 0), then the raw string.</summary>
    private static void AddString(List<byte> block, byte[] text)
    {
        var length = text.Length;
        if (length < 127)
        {
            block.Add((byte)length);
        }
        else
        {
            block.Add(127);
            length -= 127;
            while (length >= 128)
            {
                block.Add((byte)((length % 128) + 128));
                length /= 128;
            }

            block.Add((byte)length);
        }

        block.AddRange(text);
    }

    public static byte[] Frames(Action<ArrayBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The next frame, or null when the connection closed (or the generous timeout passed).</summary>
    public async Task<RawFrame?> ReadFrameAsync(int timeoutMs = ReadTimeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var frame = TryParse();
            if (frame is not null)
            {
                Received.Add(frame);
                return frame;
            }

            int n;
            try
            {
                n = await _stream.ReadAsync(_readBuffer, cts.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                return null;
            }

            if (n == 0)
            {
                return null;
            }

            if (_pendingLength + n > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + n));
            }

            _readBuffer.AsSpan(0, n).CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += n;
        }
    }

    /// <summary>Reads until a frame matches (returned) or the connection closes (null).</summary>
    public async Task<RawFrame?> ReadUntilAsync(Func<RawFrame, bool> match, int maxFrames = 100_000)
    {
        for (var i = 0; i < maxFrames; i++)
        {
            var frame = await ReadFrameAsync();
            if (frame is null || match(frame))
            {
                return frame;
            }
        }

        return null;
    }

    /// <summary>Reads until GOAWAY (returned) or close (null).</summary>
    public Task<RawFrame?> ReadGoAwayAsync() => ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);

    /// <summary>Reads until RST_STREAM on the stream or GOAWAY (either returned), or close (null).</summary>
    public Task<RawFrame?> ReadResetOrGoAwayAsync(int streamId)
        => ReadUntilAsync(f => (f.Type == Http2FrameType.RstStream && f.StreamId == streamId) || f.Type == Http2FrameType.GoAway);

    /// <summary>True when the server closes the connection (after any frames) within the generous timeout.</summary>
    public async Task<bool> ClosedByPeerAsync()
    {
        for (var i = 0; i < 1_000_000; i++)
        {
            if (await ReadFrameAsync() is null)
            {
                return _tcp.Client.Poll(0, SelectMode.SelectRead);
            }
        }

        return false;
    }

    /// <summary>The decoder of the server's field blocks (tests lower its table size to check the server follows).</summary>
    public HpackDecoder Decoder => _decoder;

    /// <summary>Reads the response of a stream: its head, its DATA bytes, until END_STREAM or a reset (returned as null head).</summary>
    public async Task<(HttpResponseHead? Head, byte[] Body, RawFrame? Reset)> ReadResponseAsync(int streamId)
    {
        HttpResponseHead? head = null;
        var body = new List<byte>();
        while (true)
        {
            var frame = await ReadFrameAsync();
            if (frame is null)
            {
                return (head, [.. body], null);
            }

            if (frame.Type == Http2FrameType.Headers && frame.StreamId == streamId && head is null)
            {
                Assert.Equal(Http2Error.None, frame.HeadError);
                head = frame.Head;
            }

            if (frame.StreamId != streamId)
            {
                if (frame.Type == Http2FrameType.GoAway)
                {
                    return (head, [.. body], frame);
                }

                continue;
            }

            if (frame.Type == Http2FrameType.Data)
            {
                body.AddRange(frame.Payload);
            }

            if (frame.Type == Http2FrameType.RstStream)
            {
                return (head, [.. body], frame);
            }

            if (frame.EndStream)
            {
                return (head, [.. body], null);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Frames are split by their 9-octet header only: the test judges what the server sent, valid or not.</summary>
    private RawFrame? TryParse()
    {
        if (_pendingLength < Http2FrameHeader.Size)
        {
            return null;
        }

        var header = Http2FrameHeader.Read(_pending);
        var used = Http2FrameHeader.Size + header.Length;
        if (_pendingLength < used)
        {
            return null;
        }

        var payload = _pending.AsSpan(Http2FrameHeader.Size, header.Length).ToArray();
        _pending.AsSpan(used, _pendingLength - used).CopyTo(_pending);
        _pendingLength -= used;
        if (header.Type != Http2FrameType.Headers)
        {
            return new RawFrame(header.Type, header.Flags, header.StreamId, payload);
        }

        // Our server never pads, prioritises or splits its blocks, so the payload is the whole block.
        var head = new HttpResponseHead();
        var endStream = (header.Flags & Http2FrameFlags.EndStream) != 0;
        var error = Http2HeadDecoder.DecodeResponse(_decoder, payload, head, endStream, Http2Limits.Default);
        if (error == Http2Error.RequestPseudoHeaderInResponse || error == Http2Error.MissingPseudoHeader)
        {
            // A trailer section (no :status): decode it as trailers instead; the table already moved.
            error = Http2Error.None;
        }

        return new RawFrame(header.Type, header.Flags, header.StreamId, payload) { Head = head, HeadError = error };
    }
}
