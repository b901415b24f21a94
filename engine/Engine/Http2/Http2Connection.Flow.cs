using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// Flow control (RFC 9113 §5.2, §6.9): the send windows the writer spends, the receive windows the
/// peer spends and we refill as the owners consume, and the streams parked for lack of window.
/// </summary>
internal abstract partial class Http2Connection
{
    private readonly List<Http2Stream> _blockedOnConnectionWindow = [];
    private Http2FlowWindow _sendWindow = new(Http2Settings.DefaultInitialWindowSize);
    private Http2ReceiveWindow _receiveWindow;

    /// <summary>Initial send window of a new stream: the peer's SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2).</summary>
    protected Http2FlowWindow NewStreamSendWindowLocked() => new(PeerSettings.InitialWindowSize);

    /// <summary>Initial receive window of a new stream: what our SETTINGS advertise.</summary>
    protected Http2ReceiveWindow NewStreamReceiveWindow() => new(Limits.InitialStreamWindowSize, Limits.InitialStreamWindowSize);

    /// <summary>Consumed inbound bytes of a stream: credit for the connection, and for the stream while the peer still sends on it.</summary>
    private void ReturnCreditLocked(Http2Stream stream, int bytes)
    {
        ReturnConnectionCreditLocked(bytes);
        if (!stream.InputEnded && stream.Tracked)
        {
            var increment = stream.ReceiveWindow.OnConsumed(bytes);
            if (increment > 0)
            {
                QueueWindowUpdateLocked(stream.StreamId, increment);
            }
        }
    }

    /// <summary>
    /// Bytes that will never reach an owner (padding, DATA on a reset or ignored stream, a body
    /// nobody reads) still used connection window: it is given back at once (§6.9: the sender
    /// cannot know, so the receiver must), or the connection would stall.
    /// </summary>
    protected void ReturnConnectionCreditLocked(int bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        var increment = _receiveWindow.OnConsumed(bytes);
        if (increment > 0)
        {
            QueueWindowUpdateLocked(0, increment);
        }
    }

    /// <summary>The writer has output for this stream; parked streams wait for their WINDOW_UPDATE instead.</summary>
    protected void ScheduleLocked(Http2Stream stream)
    {
        if (stream.Queued || stream.OutputEnded || stream.BlockedOnStreamWindow || stream.BlockedOnConnectionWindow || stream.Released)
        {
            return;
        }

        stream.Queued = true;
        _ready.Enqueue(stream);
        _wakeRequested = true;
    }

    /// <summary>The writer found data it may not send yet: park the stream on the window that is empty.</summary>
    private void ParkLocked(Http2Stream stream)
    {
        if (_sendWindow.Available <= 0)
        {
            if (!stream.BlockedOnConnectionWindow)
            {
                stream.BlockedOnConnectionWindow = true;
                _blockedOnConnectionWindow.Add(stream);
            }
        }
        else
        {
            stream.BlockedOnStreamWindow = true;
        }
    }

    /// <summary>WINDOW_UPDATE on stream 0: every stream parked on the connection window gets a turn.</summary>
    private Http2Error OnConnectionWindowUpdateLocked(int increment)
    {
        if (!_sendWindow.TryIncrease(increment))
        {
            return Http2Error.ConnectionWindowOverflow;
        }

        foreach (var stream in _blockedOnConnectionWindow)
        {
            stream.BlockedOnConnectionWindow = false;
            ScheduleLocked(stream);
        }

        _blockedOnConnectionWindow.Clear();
        return Http2Error.None;
    }

    /// <summary>WINDOW_UPDATE on a stream: false when it would pass 2^31−1 (a stream error FLOW_CONTROL_ERROR, §6.9.1).</summary>
    private bool OnStreamWindowUpdateLocked(Http2Stream stream, int increment)
    {
        if (!stream.SendWindow.TryIncrease(increment))
        {
            return false;
        }

        if (stream.BlockedOnStreamWindow && stream.SendWindow.Available > 0)
        {
            stream.BlockedOnStreamWindow = false;
            ScheduleLocked(stream);
        }

        return true;
    }

    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE changed by <paramref name="delta"/>: every stream's send window
    /// moves by it (§6.9.2), parked ones get a turn when it grew. Overflow is a connection error.
    /// </summary>
    private Http2Error AdjustStreamWindowsLocked(int delta)
    {
        foreach (var stream in _streams.Values)
        {
            if (!stream.SendWindow.TryAdjust(delta))
            {
                return Http2Error.SettingsWindowOverflow;
            }

            if (delta > 0 && stream.BlockedOnStreamWindow && stream.SendWindow.Available > 0)
            {
                stream.BlockedOnStreamWindow = false;
                ScheduleLocked(stream);
            }
        }

        return Http2Error.None;
    }
}
