namespace Engine.Protocols.Http2;

/// <summary>
/// Stream states of RFC 9113 §5.1. The reserved states are absent: push is never enabled, so no
/// stream is ever reserved.
/// </summary>
public enum Http2StreamState : byte
{
    Idle = 0,
    Open,

    /// <summary>We sent END_STREAM; the peer may still send.</summary>
    HalfClosedLocal,

    /// <summary>The peer sent END_STREAM; we may still send.</summary>
    HalfClosedRemote,
    Closed,
}
