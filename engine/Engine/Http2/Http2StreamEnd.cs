using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// The outcome of one stream: what ended it, the error code on the wire (RST_STREAM or GOAWAY), the
/// codec's reason when we ended it, and whether the peer's head had arrived — what the forwarder
/// needs to pick 502/503/504 or a reset, and to know whether a retry is safe.
/// </summary>
internal readonly record struct Http2StreamEnd(Http2StreamEndKind Kind, Http2ErrorCode Code, bool HeadReceived, Http2Error Reason)
{
    public bool IsEnded => Kind != Http2StreamEndKind.None;

    /// <summary>
    /// The peer did not process the request, so sending it again cannot repeat its effects: REFUSED_STREAM
    /// (RFC 9113 §8.7), a stream above a GOAWAY's last-stream-id, or a connection lost before the head went out.
    /// </summary>
    public bool IsRetriable => Kind == Http2StreamEndKind.Refused
        || (Kind == Http2StreamEndKind.ResetByPeer && Code == Http2ErrorCode.RefusedStream);
}
