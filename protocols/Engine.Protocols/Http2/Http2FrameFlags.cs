namespace Engine.Protocols.Http2;

/// <summary>
/// Frame flags (RFC 9113 §6). A bit means something only for the frame types that define it, and
/// undefined bits MUST be ignored on receipt (§4.1): test them through <see cref="Http2Frame"/>'s
/// accessors, which look at the type too.
/// </summary>
[Flags]
public enum Http2FrameFlags : byte
{
    None = 0,

    /// <summary>DATA, HEADERS: last frame the sender sends on the stream.</summary>
    EndStream = 0x1,

    /// <summary>SETTINGS, PING: this frame acknowledges the peer's.</summary>
    Ack = 0x1,

    /// <summary>HEADERS, PUSH_PROMISE, CONTINUATION: the field block is complete.</summary>
    EndHeaders = 0x4,

    /// <summary>DATA, HEADERS, PUSH_PROMISE: a Pad Length byte leads the payload.</summary>
    Padded = 0x8,

    /// <summary>HEADERS: stream dependency and weight lead the field block fragment.</summary>
    Priority = 0x20,
}
