namespace Engine.Protocols.Http2;

/// <summary>
/// WINDOW_UPDATE flood (the 2019 set): a peer that sends many tiny updates makes us do work per
/// frame. Envoy's rule (max_inbound_window_update_frames_per_data_frame_sent, default 10): over the
/// connection's life, more than 5 + 2 × (streams opened + limit × DATA frames sent) closes it — a
/// well-behaved peer sends updates only in answer to our data, and a few for new streams.
/// </summary>
public sealed class Http2WindowUpdateGuard(in Http2Limits limits)
{
    private const long Allowance = 5;

    private readonly long _perDataFrame = limits.MaxWindowUpdateFramesPerDataFrameSent;
    private long _windowUpdates;
    private long _streamsOpened;
    private long _dataFramesSent;

    public void OnStreamOpened() => _streamsOpened++;

    public void OnDataFrameSent() => _dataFramesSent++;

    public Http2Error OnWindowUpdate()
        => ++_windowUpdates > Allowance + (2 * (_streamsOpened + (_perDataFrame * _dataFramesSent)))
            ? Http2Error.WindowUpdateFlood
            : Http2Error.None;

    public void Reset() => _windowUpdates = _streamsOpened = _dataFramesSent = 0;
}
