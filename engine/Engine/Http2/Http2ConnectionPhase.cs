namespace Engine.Http2;

/// <summary>Where an HTTP/2 connection is in its life (RFC 9113 §6.8 shutdown).</summary>
internal enum Http2ConnectionPhase : byte
{
    /// <summary>Streams may be opened.</summary>
    Open = 0,

    /// <summary>GOAWAY sent (server) or received (client): no new streams, the existing ones finish.</summary>
    Draining,

    /// <summary>The last frames (a GOAWAY) are being written; then the socket is closed after a short linger.</summary>
    Closing,

    /// <summary>The transport is gone.</summary>
    Closed,
}
