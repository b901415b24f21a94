using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>
/// A raw h2c server on a loopback port, for what a real server does not let a test decide: it
/// answers every request with an empty 200 at once, counts the PINGs it receives and acknowledges
/// them only if told to (a server that never does looks like a dead path to a keep-alive), and
/// notes when each connection ends. Frames are read with the codec's frame header and written with
/// its frame writer; request field blocks are never decoded (the answer does not depend on them, and
/// the answer's block uses no HPACK table). Told to chatter, it sends a frame of its own (a PING
/// of its own, which the client acknowledges) every 200 ms for a while after each connection
/// opens: a busy server, for the keep-alive's "any frame is a sign of life". Given an answer
/// function, it writes what that returns for each request instead of the empty 200 (in one write:
/// frames a test wants to arrive in one read).
/// </summary>
internal sealed class RawH2Server : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly bool _answerPings;
    private readonly TimeSpan _chatterFor;
    private readonly Func<int, byte[]>? _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _accepted;
    private int _closed;
    private int _pings;
    private long _firstPingAt;
    private long _lastClosedAt;
    private long _lastChatterAt;

    private RawH2Server(TcpListener listener, bool answerPings, TimeSpan chatterFor, Func<int, byte[]>? answer)
    {
        _listener = listener;
        _answerPings = answerPings;
        _chatterFor = chatterFor;
        _answer = answer;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    public int ConnectionsAccepted => Volatile.Read(ref _accepted);

    /// <summary>Connections the client closed or reset.</summary>
    public int ConnectionsClosed => Volatile.Read(ref _closed);

    /// <summary>PING frames received (not ACKs).</summary>
    public int PingsReceived => Volatile.Read(ref _pings);

    /// <summary>Stopwatch timestamp of the last frame the server sent of its own accord (0: none yet).</summary>
    public long LastChatterAt => Interlocked.Read(ref _lastChatterAt);

    /// <summary>Stopwatch timestamp of the first PING received (0: none yet).</summary>
    public long FirstPingAt => Interlocked.Read(ref _firstPingAt);

    /// <summary>Stopwatch timestamp of the last connection's end (0: none yet).</summary>
    public long LastClosedAt => Interlocked.Read(ref _lastClosedAt);

    /// <param name="answer">The frames to answer a request with, given its stream id (default: an empty 200).</param>
    public static RawH2Server Start(bool answerPings, TimeSpan chatterFor = default, Func<int, byte[]>? answer = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new RawH2Server(listener, answerPings, chatterFor, answer);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var writing = new SemaphoreSlim(1);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var chatter = Task.CompletedTask;
        try
        {
            var preface = new byte[Http2Preface.ClientPreface.Length];
            await stream.ReadExactlyAsync(preface, _stop.Token);
            await stream.WriteAsync(Frames(w => Http2FrameWriter.WriteSettings(w, ReadOnlySpan<Http2Setting>.Empty)), _stop.Token);
            if (_chatterFor > TimeSpan.Zero)
            {
                chatter = ChatterAsync(stream, writing, ended.Token);
            }

            var header = new byte[Http2FrameHeader.Size];
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var frame = Http2FrameHeader.Read(header);
                var payload = new byte[frame.Length];
                await stream.ReadExactlyAsync(payload, _stop.Token);
                var reply = Reply(frame, payload);
                if (reply is not null)
                {
                    await writing.WaitAsync(_stop.Token);
                    try
                    {
                        await stream.WriteAsync(reply, _stop.Token);
                    }
                    finally
                    {
                        writing.Release();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException or OperationCanceledException)
        {
            // The client closed or reset the connection (or the test is over).
        }

        Interlocked.Exchange(ref _lastClosedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _closed);
        ended.Cancel();
        await chatter;
    }

    /// <summary>A PING of the server's own every 200 ms, for <see cref="_chatterFor"/> (WINDOW_UPDATEs would trip the client's flood guard).</summary>
    private async Task ChatterAsync(NetworkStream stream, SemaphoreSlim writing, CancellationToken ended)
    {
        var until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(_chatterFor.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var frame = Frames(w => Http2FrameWriter.WritePing(w, 0xC0FFEE, ack: false));
        try
        {
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                await Task.Delay(200, ended);
                await writing.WaitAsync(ended);
                try
                {
                    await stream.WriteAsync(frame, ended);
                    Interlocked.Exchange(ref _lastChatterAt, System.Diagnostics.Stopwatch.GetTimestamp());
                }
                finally
                {
                    writing.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    /// <summary>What the frame gets back: SETTINGS an ACK, a request's HEADERS an empty 200, a PING its ACK if PINGs are answered.</summary>
    private byte[]? Reply(Http2FrameHeader frame, byte[] payload)
    {
        var ack = (frame.Flags & Http2FrameFlags.Ack) != 0;
        switch (frame.Type)
        {
            case Http2FrameType.Settings when !ack:
                return Frames(w => Http2FrameWriter.WriteSettingsAck(w));
            case Http2FrameType.Headers when _answer is not null:
                return _answer(frame.StreamId);
            case Http2FrameType.Headers:
                // Our client sends a GET's block whole, with END_STREAM: answer it at once.
                return Frames(w => Http2FrameWriter.WriteHeaders(w, frame.StreamId, RawH2Client.Block((":status", "200"), ("content-length", "0")), endStream: true, 16_384));
            case Http2FrameType.Ping when !ack:
                Interlocked.CompareExchange(ref _firstPingAt, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
                Interlocked.Increment(ref _pings);
                var data = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(payload);
                return _answerPings ? Frames(w => Http2FrameWriter.WritePing(w, data, ack: true)) : null;
            default:
                return null;
        }
    }

    private static byte[] Frames(Action<ArrayBufferWriter<byte>> write) => RawH2Client.Frames(write);
}
