using System.Buffers;
using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// Frames the reader (and the owners) ask the writer to send that belong to no stream's output:
/// SETTINGS and PING acknowledgements, RST_STREAM, WINDOW_UPDATE, GOAWAY. They are written into a
/// small buffer the writer copies out first on its next pass. What a peer can provoke at will is
/// counted by the outbound frame budget until a flush took it to the socket; past the budget the
/// peer is flooding us without reading and the connection is torn down (robustness.md §2.3).
/// </summary>
internal abstract partial class Http2Connection
{
    private readonly ArrayBufferWriter<byte> _control = new(256);
    private readonly Http2OutboundFrameBudget _budget;
    private Http2Settings _peerSettings = new();
    private long _pendingEncoderTableSize = -1;
    private bool _wakeRequested;
    private bool _readerBatching;

    /// <summary>The peer's SETTINGS as applied so far (lock).</summary>
    protected Http2Settings PeerSettings => _peerSettings;

    /// <summary>Our SETTINGS and the connection WINDOW_UPDATE (§3.4, §6.9.2): the first frames we send.</summary>
    protected void QueueLocalSettingsLocked()
    {
        Http2FrameWriter.WriteSettings(_control, Http2Settings.FromLimits(Limits));
        var increment = _receiveWindow.TakeInitialIncrement();
        if (increment > 0)
        {
            Http2FrameWriter.WriteWindowUpdate(_control, 0, increment);
        }

        _wakeRequested = true;
    }

    /// <summary>Raw bytes ahead of everything (a client's connection preface).</summary>
    protected void QueueRawLocked(ReadOnlySpan<byte> bytes)
    {
        _control.Write(bytes);
        _wakeRequested = true;
    }

    protected void QueueRstLocked(int streamId, Http2ErrorCode code)
    {
        if (Budget(Http2FrameType.RstStream))
        {
            Http2FrameWriter.WriteRstStream(_control, streamId, code);
        }
    }

    protected void QueueWindowUpdateLocked(int streamId, int increment)
    {
        if (PhaseValue < Http2ConnectionPhase.Closing && Budget(Http2FrameType.WindowUpdate))
        {
            Http2FrameWriter.WriteWindowUpdate(_control, streamId, increment);
        }
    }

    private void QueuePingAckLocked(ulong data)
    {
        if (Budget(Http2FrameType.Ping))
        {
            Http2FrameWriter.WritePing(_control, data, ack: true);
        }
    }

    /// <summary>
    /// A PING of our own (client keep-alive). Not counted by the outbound budget, which is for what
    /// the peer makes us send: this is one frame per keep-alive interval, of our doing.
    /// </summary>
    protected void QueuePingLocked(ulong data)
    {
        if (PhaseValue < Http2ConnectionPhase.Closing)
        {
            Http2FrameWriter.WritePing(_control, data, ack: false);
            _wakeRequested = true;
        }
    }

    private void QueueSettingsAckLocked()
    {
        if (Budget(Http2FrameType.Settings))
        {
            Http2FrameWriter.WriteSettingsAck(_control);
        }
    }

    /// <summary>GOAWAY is not budgeted: it is the last frame, written at most twice (drain, then an error).</summary>
    protected void QueueGoAwayLocked(int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData)
    {
        Http2FrameWriter.WriteGoAway(_control, lastStreamId, code, debugData);
        _wakeRequested = true;
    }

    private bool Budget(Http2FrameType type)
    {
        var error = _budget.OnQueued(type);
        if (error != Http2Error.None)
        {
            FailLocked(error, abortive: true);
            return false;
        }

        _wakeRequested = true;
        return true;
    }

    /// <summary>The reader starts on a buffer of frames: wake-ups wait until it is done, so one flush carries all the answers.</summary>
    private void BeginBatch()
    {
        using (Sync.EnterScope())
        {
            _readerBatching = true;
        }
    }

    private void EndBatch()
    {
        using (Sync.EnterScope())
        {
            _readerBatching = false;
        }

        RunDeferred();
    }
}
