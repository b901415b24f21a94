namespace Engine.Protocols.Http2;

/// <summary>
/// Bounds what a peer that does not read can make us queue (CVE-2019-9512 PING, -9514 reset,
/// -9515 SETTINGS floods): frames written to the pipe but not yet flushed to the socket. Over
/// <see cref="Http2Limits.MaxOutboundControlFrames"/> control frames (PING and SETTINGS ACKs,
/// RST_STREAM — what a peer provokes at will) or <see cref="Http2Limits.MaxOutboundFrames"/> frames
/// of any kind, the connection is closed (Envoy's max_outbound_control_frames 1000 / max_outbound_frames 10000).
/// </summary>
public sealed class Http2OutboundFrameBudget(in Http2Limits limits)
{
    private readonly int _maxFrames = limits.MaxOutboundFrames;
    private readonly int _maxControlFrames = limits.MaxOutboundControlFrames;

    public int QueuedFrames { get; private set; }

    public int QueuedControlFrames { get; private set; }

    /// <summary>Call before queuing a frame; an error means close instead of queuing.</summary>
    public Http2Error OnQueued(Http2FrameType type)
    {
        var control = type is Http2FrameType.Ping or Http2FrameType.Settings or Http2FrameType.RstStream;
        if (control && ++QueuedControlFrames > _maxControlFrames)
        {
            return Http2Error.OutboundControlFrameFlood;
        }

        return ++QueuedFrames > _maxFrames ? Http2Error.OutboundFrameFlood : Http2Error.None;
    }

    /// <summary>Everything queued so far has been written to the socket (a flush completed).</summary>
    public void OnFlushed() => QueuedFrames = QueuedControlFrames = 0;
}
