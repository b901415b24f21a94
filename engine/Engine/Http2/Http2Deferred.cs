namespace Engine.Http2;

/// <summary>
/// Work decided under the connection's lock and done after it is released: anything that completes
/// a pipe end or cancels a token can run the owner's continuation inline (the transport schedules
/// inline), and that must never happen while the lock is held.
/// </summary>
internal readonly record struct Http2Deferred(Http2DeferredKind Kind, Http2Stream? Stream);

internal enum Http2DeferredKind : byte
{
    /// <summary>Complete the inbound pipe's writer (the stream ended; the reader loop no longer uses it).</summary>
    CompleteInboundWriter,

    /// <summary>Complete the outbound pipe's reader (abandoned output; wakes a producer waiting on back-pressure).</summary>
    CompleteOutboundReader,

    /// <summary>Cancel the stream's Aborted token, wake its body reader and any head waiter.</summary>
    SignalAborted,

    /// <summary>A client stream's final response head arrived (or will never arrive).</summary>
    SignalHead,

    /// <summary>Complete the pipe ends the owner left open (it is done with the stream).</summary>
    CompleteOwnerEnds,

    /// <summary>Reset the stream object and put it back in the pool.</summary>
    Release,

    /// <summary>End every live stream: the connection is closing.</summary>
    AbortAll,

    /// <summary>Start the close linger timer.</summary>
    StartLinger,

    /// <summary>Tear the transport down now (outbound flood: the peer is not reading).</summary>
    AbortTransport,

    /// <summary>Tell the owner of the connection its capacity or state changed (client pools).</summary>
    NotifyOwner,
}
