namespace Engine.Protocols.Http2;

/// <summary>Outcome of one <see cref="Http2FrameReader.TryReadFrame"/>.</summary>
public enum Http2ReadStatus : byte
{
    /// <summary>The frame is not all there yet; nothing was consumed. Read more and try again.</summary>
    Incomplete = 0,

    /// <summary>A valid frame; act on it and advance to <c>consumed</c>.</summary>
    Frame,

    /// <summary>
    /// The frame is consumed but breaks a per-stream rule: reset its stream with the error's code and
    /// go on. A HEADERS frame here still carries its field block, which MUST be decoded to keep the
    /// HPACK table in step (RFC 9113 §4.3).
    /// </summary>
    StreamError,

    /// <summary>The connection cannot go on: send GOAWAY with the error's code and close.</summary>
    ConnectionError,
}
