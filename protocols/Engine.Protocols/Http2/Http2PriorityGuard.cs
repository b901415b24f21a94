namespace Engine.Protocols.Http2;

/// <summary>
/// CVE-2019-9513 (resource loop): PRIORITY frames cost nothing to send. We ignore priorities, but
/// still cap them as Envoy does (max_inbound_priority_frames_per_stream, default 100): more than
/// limit × (1 + streams opened) over the connection's life closes it.
/// </summary>
public sealed class Http2PriorityGuard(in Http2Limits limits)
{
    private readonly long _perStream = limits.MaxPriorityFramesPerStream;
    private long _priorityFrames;
    private long _streamsOpened;

    public void OnStreamOpened() => _streamsOpened++;

    /// <summary>Call for every PRIORITY frame (and HEADERS frames are not counted).</summary>
    public Http2Error OnPriorityFrame()
        => ++_priorityFrames > _perStream * (1 + _streamsOpened) ? Http2Error.PriorityFlood : Http2Error.None;

    public void Reset() => _priorityFrames = _streamsOpened = 0;
}
