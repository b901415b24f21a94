namespace Engine.Protocols.Http2;

/// <summary>What to do with a frame received for a stream, given the stream's state.</summary>
public enum Http2StreamAction : byte
{
    /// <summary>Act on it.</summary>
    Process = 0,

    /// <summary>
    /// Drop it (RFC 9113 §5.1 allows or requires this on closed streams). A HEADERS frame's field
    /// block must still be decoded; a DATA frame still counts against the connection window and its
    /// credit should be returned at once.
    /// </summary>
    Ignore,

    /// <summary>The frame is an error; the accompanying <see cref="Http2Error"/> says which and at what scope.</summary>
    Reject,
}
