namespace Engine.Http2;

/// <summary>How an HTTP/2 stream ended, as the owner of the stream sees it (a value, never an exception).</summary>
internal enum Http2StreamEndKind : byte
{
    /// <summary>Still running.</summary>
    None = 0,

    /// <summary>Both sides ended their messages (END_STREAM each way).</summary>
    Completed,

    /// <summary>The peer sent RST_STREAM (see the code; REFUSED_STREAM means the request was not processed).</summary>
    ResetByPeer,

    /// <summary>We reset it: the owner asked, a stream error (malformed message, flow control), or the owner failed.</summary>
    ResetLocally,

    /// <summary>
    /// Never processed by the peer and safe to retry (RFC 9113 §8.7): above the last-stream-id of the
    /// peer's GOAWAY, or the connection ended before the request head was sent.
    /// </summary>
    Refused,

    /// <summary>The connection failed or closed while the stream was in flight.</summary>
    ConnectionLost,
}
