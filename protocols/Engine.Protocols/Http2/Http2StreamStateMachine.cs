namespace Engine.Protocols.Http2;

/// <summary>
/// The state of one stream the session tracks, and the frames RFC 9113 §5.1 lets it send and
/// receive in each state. Receiving:
/// <list type="bullet">
/// <item>idle: HEADERS opens it; PRIORITY is allowed; anything else is a connection error PROTOCOL_ERROR.</item>
/// <item>open / half-closed (local): anything; END_STREAM and RST_STREAM move it on.</item>
/// <item>half-closed (remote): only WINDOW_UPDATE, PRIORITY, RST_STREAM; else a stream error STREAM_CLOSED.</item>
/// <item>closed after we reset it: everything is ignored (the peer may have sent before it saw our
/// RST_STREAM — "MUST ignore"); otherwise PRIORITY, WINDOW_UPDATE and RST_STREAM are ignored and
/// anything else is a stream error STREAM_CLOSED.</item>
/// </list>
/// A stream the session no longer tracks is judged by <see cref="Http2StreamIds"/> instead.
/// </summary>
public struct Http2StreamStateMachine
{
    public Http2StreamState State { get; private set; }

    /// <summary>We closed the stream with RST_STREAM (frames still in flight from the peer are ignored).</summary>
    public bool ResetLocally { get; private set; }

    /// <summary>Received END_STREAM (or RST_STREAM): nothing more comes from the peer.</summary>
    public readonly bool RemoteClosed => State is Http2StreamState.HalfClosedRemote or Http2StreamState.Closed;

    /// <summary>Sent END_STREAM (or RST_STREAM): we send nothing more.</summary>
    public readonly bool LocalClosed => State is Http2StreamState.HalfClosedLocal or Http2StreamState.Closed;

    /// <summary>Judges a received frame and moves the state (§5.1). <paramref name="endStream"/> is the frame's END_STREAM flag.</summary>
    public Http2StreamAction OnReceive(Http2FrameType type, bool endStream, out Http2Error error)
    {
        error = Http2Error.None;
        if (type == Http2FrameType.RstStream)
        {
            if (State == Http2StreamState.Idle)
            {
                error = Http2Error.FrameOnIdleStream;
                return Http2StreamAction.Reject;
            }

            var wasClosed = State == Http2StreamState.Closed;
            State = Http2StreamState.Closed;
            return wasClosed ? Http2StreamAction.Ignore : Http2StreamAction.Process;
        }

        switch (State)
        {
            case Http2StreamState.Idle:
                if (type == Http2FrameType.Headers)
                {
                    State = endStream ? Http2StreamState.HalfClosedRemote : Http2StreamState.Open;
                    return Http2StreamAction.Process;
                }

                if (type == Http2FrameType.Priority)
                {
                    return Http2StreamAction.Process;
                }

                error = Http2Error.FrameOnIdleStream;
                return Http2StreamAction.Reject;
            case Http2StreamState.Open:
                if (endStream && type is Http2FrameType.Data or Http2FrameType.Headers)
                {
                    State = Http2StreamState.HalfClosedRemote;
                }

                return Http2StreamAction.Process;
            case Http2StreamState.HalfClosedLocal:
                if (endStream && type is Http2FrameType.Data or Http2FrameType.Headers)
                {
                    State = Http2StreamState.Closed;
                }

                return Http2StreamAction.Process;
            case Http2StreamState.HalfClosedRemote:
                if (type is Http2FrameType.WindowUpdate or Http2FrameType.Priority)
                {
                    return Http2StreamAction.Process;
                }

                error = Http2Error.StreamClosed;
                return Http2StreamAction.Reject;
            default:
                if (ResetLocally || type is Http2FrameType.WindowUpdate or Http2FrameType.Priority)
                {
                    return Http2StreamAction.Ignore;
                }

                error = Http2Error.StreamClosed;
                return Http2StreamAction.Reject;
        }
    }

    /// <summary>
    /// Moves the state for a frame we send (§5.1): HEADERS opens an idle stream; END_STREAM
    /// half-closes or closes; RST_STREAM closes (and marks the stream reset by us). Throws when the
    /// state forbids sending that frame — that is a bug of ours, not the peer's.
    /// </summary>
    public void OnSend(Http2FrameType type, bool endStream)
    {
        if (type == Http2FrameType.RstStream)
        {
            if (State == Http2StreamState.Idle)
            {
                throw new InvalidOperationException("RST_STREAM on an idle stream.");
            }

            State = Http2StreamState.Closed;
            ResetLocally = true;
            return;
        }

        if (type is Http2FrameType.WindowUpdate or Http2FrameType.Priority)
        {
            return;
        }

        State = (State, endStream) switch
        {
            (Http2StreamState.Idle, false) when type == Http2FrameType.Headers => Http2StreamState.Open,
            (Http2StreamState.Idle, true) when type == Http2FrameType.Headers => Http2StreamState.HalfClosedLocal,
            (Http2StreamState.Open, false) or (Http2StreamState.HalfClosedRemote, false) => State,
            (Http2StreamState.Open, true) => Http2StreamState.HalfClosedLocal,
            (Http2StreamState.HalfClosedRemote, true) => Http2StreamState.Closed,
            _ => throw new InvalidOperationException($"Cannot send {type} on a stream in state {State}."),
        };
    }
}
