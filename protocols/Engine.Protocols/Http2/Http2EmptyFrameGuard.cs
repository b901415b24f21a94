namespace Engine.Protocols.Http2;

/// <summary>
/// CVE-2019-9518 (empty frames flood): DATA, HEADERS and CONTINUATION frames with no payload and no
/// END_STREAM cost the receiver work and tell it nothing. More than
/// <see cref="Http2Limits.MaxConsecutiveEmptyFrames"/> in a row closes the connection (Envoy's
/// max_consecutive_inbound_frames_with_empty_payload, default 1). Padding does not count as payload.
/// </summary>
public sealed class Http2EmptyFrameGuard(in Http2Limits limits)
{
    private readonly int _max = limits.MaxConsecutiveEmptyFrames;
    private int _consecutive;

    /// <summary>Call for every frame received.</summary>
    public Http2Error OnFrame(in Http2Frame frame)
    {
        if (frame.Type is not (Http2FrameType.Data or Http2FrameType.Headers or Http2FrameType.Continuation))
        {
            return Http2Error.None;
        }

        if (!frame.Payload.IsEmpty || frame.EndStream)
        {
            _consecutive = 0;
            return Http2Error.None;
        }

        return ++_consecutive > _max ? Http2Error.EmptyFrameFlood : Http2Error.None;
    }

    public void Reset() => _consecutive = 0;
}
