namespace Engine.Protocols.Http2;

/// <summary>
/// Stream identifiers of one connection (RFC 9113 §5.1.1) and the verdict on frames for streams the
/// session does not track — idle ones and closed ones it has forgotten. Clients use odd identifiers,
/// servers even; a new one MUST be larger than every one the same side used before, which also
/// closes the skipped ones.
/// <para>
/// Forgotten closed streams are judged like nghttp2 (Envoy's codec) does: frames on them are ignored
/// rather than answered with a connection error. A peer that sent trailers or DATA before it saw our
/// RST_STREAM is not at fault (§5.1 "MUST ignore"), and one bad stream must not take down a shared
/// connection. The one case §5.1.1 makes an error we can still tell — a new stream identifier below
/// the highest used — looks the same as that, so it is ignored too (and its field block still decoded).
/// </para>
/// </summary>
public sealed class Http2StreamIds(bool isServer)
{
    /// <summary>This side is the server (accepts odd streams, would open even ones).</summary>
    public bool IsServer { get; } = isServer;

    /// <summary>Highest stream identifier the peer opened (0 before any): the last-stream-id of our GOAWAY.</summary>
    public int LastPeerStreamId { get; private set; }

    /// <summary>Highest stream identifier we opened (0 before any).</summary>
    public int LastLocalStreamId { get; private set; }

    /// <summary>After we sent GOAWAY: peer streams above this are not processed (§6.8). int.MaxValue before.</summary>
    public int GoAwayLastStreamId { get; private set; } = int.MaxValue;

    /// <summary>Whether the peer opens streams with this identifier (odd for a server's peer).</summary>
    public bool IsPeerInitiated(int streamId) => (streamId & 1) == (IsServer ? 1 : 0);

    /// <summary>
    /// The next identifier for a stream we open (clients: 1, 3, 5…), or -1 when the space is used up
    /// and a new connection is needed (§5.1.1).
    /// </summary>
    public int OpenLocalStream()
    {
        var next = LastLocalStreamId == 0 ? (IsServer ? 2 : 1) : LastLocalStreamId + 2;
        if (next <= 0)
        {
            return -1;
        }

        LastLocalStreamId = next;
        return next;
    }

    /// <summary>
    /// No stream has used this identifier yet (§5.1 "idle": above the last one opened by its side),
    /// so nothing can be remembered of it.
    /// </summary>
    public bool IsIdle(int streamId) => IsPeerInitiated(streamId) ? streamId > LastPeerStreamId : streamId > LastLocalStreamId;

    /// <summary>We sent GOAWAY with this last-stream-id: later peer streams are ignored (§6.8).</summary>
    public void OnGoAwaySent(int lastStreamId) => GoAwayLastStreamId = Math.Min(GoAwayLastStreamId, lastStreamId);

    /// <summary>
    /// Judges a frame whose stream (≠ 0) the session does not track. <see cref="Http2StreamAction.Process"/>
    /// only for a HEADERS that opens a new peer stream, which then counts as used (create the stream with
    /// <see cref="Http2StreamStateMachine"/> and pass it the same frame). Idle streams accept HEADERS
    /// (peer-initiated) and PRIORITY (ignored); anything else on them is a connection error PROTOCOL_ERROR
    /// (§5.1). A server never opens streams, so a client seeing HEADERS on an idle stream rejects it.
    /// </summary>
    public Http2StreamAction OnUntrackedStream(Http2FrameType type, int streamId, out Http2Error error)
    {
        error = Http2Error.None;
        var peerInitiated = IsPeerInitiated(streamId);
        if (!IsIdle(streamId) || type == Http2FrameType.Priority)
        {
            return Http2StreamAction.Ignore;
        }

        if (type != Http2FrameType.Headers)
        {
            error = Http2Error.FrameOnIdleStream;
            return Http2StreamAction.Reject;
        }

        // §5.1.1: a stream of the wrong parity (a client-initiated even id), or any peer stream opened
        // towards a client (push is off), is a connection error PROTOCOL_ERROR.
        if (!peerInitiated || !IsServer)
        {
            error = Http2Error.InvalidStreamId;
            return Http2StreamAction.Reject;
        }

        LastPeerStreamId = streamId;
        return streamId > GoAwayLastStreamId ? Http2StreamAction.Ignore : Http2StreamAction.Process;
    }
}
