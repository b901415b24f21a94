using System.Diagnostics;
using System.Net.Sockets;

namespace Engine.LoadGen;

/// <summary>
/// One HTTP/1.1 keep-alive connection: requests are written synchronously by whoever hands it
/// work (the pacer at the intended time, or this connection's own receive loop right after the
/// previous response), and one receive loop per connection reads responses. It reconnects when
/// the server closes, so a run keeps its connection count.
/// </summary>
/// <remarks>
/// Nothing here allocates per request: the request bytes are shared, the receive buffer belongs
/// to the connection, and Socket.ReceiveAsync(Memory) reuses one awaitable per socket.
/// </remarks>
internal sealed class Http1Connection : IRequestSlot, IRunConnection
{
    private const int BufferSize = 64 * 1024;

    private readonly LoadRun _run;
    private readonly int _id;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Http1ResponseReader _reader = new();
    private Socket? _socket;
    private long _intended;
    private long _sent;
    private int _busy;

    public Http1Connection(LoadRun run, int id)
    {
        _run = run;
        _id = id;
        _reader.Expect(head: run.Target.IsHead);
    }

    public override string ToString() => $"connection {_id}";

    /// <summary>Connects, then reads responses until the run stops, reconnecting when the server closes.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (!await ConnectAsync(stopping).ConfigureAwait(false))
            {
                // Connect failed: back off a little so a dead target does not become a busy loop.
                try
                {
                    await Task.Delay(100, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            _run.SlotReady(this);
            var cause = await ReceiveLoopAsync(stopping).ConfigureAwait(false);
            _run.SlotBroken(this);
            CloseSocket();
            if (cause is { } error && TryEndInFlight())
            {
                _run.Failed(error);
            }

            if (!stopping.IsCancellationRequested)
            {
                _run.Reconnected();
            }
        }
    }

    public void Send(long intendedTimestamp)
    {
        _intended = intendedTimestamp;
        _reader.Reset();
        Volatile.Write(ref _busy, 1);
        _sent = Stopwatch.GetTimestamp();
        try
        {
            var socket = _socket ?? throw new ObjectDisposedException(nameof(Socket));
            var request = _run.Target.Request;
            var offset = 0;
            while (offset < request.Length)
            {
                offset += socket.Send(request, offset, request.Length - offset, SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The receive loop sees the broken socket too and reconnects; count the request once.
            if (TryEndInFlight())
            {
                _run.Failed(ErrorCause.Send);
            }

            CloseSocket();
        }
    }

    public void Close() => CloseSocket();

    private async Task<bool> ConnectAsync(CancellationToken stopping)
    {
        var socket = new Socket(_run.Target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_run.Target.EndPoint, stopping).ConfigureAwait(false);
            _socket = socket;
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            if (e is SocketException)
            {
                _run.Failed(ErrorCause.Connect);
            }

            return false;
        }
    }

    /// <summary>Reads until the connection ends; returns why, or null for a clean close while idle.</summary>
    private async Task<ErrorCause?> ReceiveLoopAsync(CancellationToken stopping)
    {
        var socket = _socket!;
        var filled = 0;
        while (true)
        {
            int received;
            try
            {
                received = await socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return stopping.IsCancellationRequested ? null : ErrorCause.Reset;
            }

            if (received == 0)
            {
                if (_reader.CompleteAtClose() && TryEndInFlight())
                {
                    _run.Completed(_intended, _sent, _reader.Status, _reader.BodyBytes);
                    return null;
                }

                return Volatile.Read(ref _busy) != 0 ? ErrorCause.Closed : null;
            }

            if (Volatile.Read(ref _busy) == 0)
            {
                return ErrorCause.Unsolicited; // bytes nobody asked for: framing is lost
            }

            filled += received;
            var result = _reader.Read(_buffer.AsSpan(0, filled), out var consumed);

            // Keep only what was not consumed (an incomplete head or chunk line) at the front.
            filled -= consumed;
            if (filled > 0 && consumed > 0)
            {
                _buffer.AsSpan(consumed, filled).CopyTo(_buffer);
            }

            switch (result)
            {
                case Http1ResponseReader.Result.Complete:
                    if (filled > 0)
                    {
                        return ErrorCause.Unsolicited; // more than one response to one request
                    }

                    if (!TryEndInFlight())
                    {
                        return null;
                    }

                    _run.Completed(_intended, _sent, _reader.Status, _reader.BodyBytes);
                    if (_reader.Close)
                    {
                        return null;
                    }

                    _run.SlotFree(this);
                    break;

                case Http1ResponseReader.Result.Invalid:
                    return ErrorCause.Protocol;

                default:
                    if (filled == _buffer.Length)
                    {
                        return ErrorCause.Protocol; // a head larger than the buffer
                    }

                    break;
            }
        }
    }

    private bool TryEndInFlight() => Interlocked.Exchange(ref _busy, 0) != 0;

    private void CloseSocket()
    {
        var socket = Interlocked.Exchange(ref _socket, null);
        socket?.Dispose();
    }
}
