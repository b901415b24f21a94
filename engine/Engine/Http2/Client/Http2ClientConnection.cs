using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Microsoft.AspNetCore.Connections;

namespace Engine.Http2.Client;

/// <summary>
/// An upstream HTTP/2 connection (h2c prior knowledge): sends the client preface and our SETTINGS at
/// once, then multiplexes the streams its owner opens, up to the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS or our own cap (<see cref="Http2SessionOptions.ClientMaxConcurrentStreams"/>),
/// whichever is lower. On the server's GOAWAY it takes no new streams; the ones above
/// the last-stream-id (and any not yet sent) end as <see cref="Http2StreamEndKind.Refused"/> — the
/// server did not process them, so they are safe to retry on another connection (RFC 9113 §6.8).
/// Push is never enabled (ENABLE_PUSH = 0; a PUSH_PROMISE is a connection error). How long it
/// serves (streams, age, idleness, PING keep-alive) is in the Lifetime part.
/// </summary>
internal sealed partial class Http2ClientConnection : Http2Connection
{
    private readonly Action<Http2ClientConnection>? _onStateChanged;
    private readonly List<Http2Stream> _refused = [];

    // The last response head block that left the HPACK table alone, and its head once it repeats:
    // a server that answers the same way again (a gRPC service) is copied, not decoded (HeadBlockMemo).
    private readonly HeadBlockMemo<HttpResponseHead> _repeatedHeads = new();

    // Final response heads, with the stream id each came for, held until the rest of the read they
    // came in is parsed (OnFramesRead): a body that arrived with its head (a unary gRPC answer, a
    // small page) is then whole in the stream's pipe when the waiting exchange resumes, and it
    // copies the answer out without suspending. The id tells a stream that ended and was reused
    // within the read (its owner was woken by the abort) from the exchange the head was for.
    // Only the reader loop touches the list.
    private readonly List<(Http2ClientStream Stream, int StreamId)> _heldHeads = [];
    private bool _peerSettingsReceived;
    private int _goAwayLastStreamId = int.MaxValue;

    // The streams this connection carries at once, computed when the server's SETTINGS arrive so
    // that opening a stream costs one comparison (lock).
    private int _streamLimit;

    /// <param name="onStateChanged">Called (outside any lock) when a stream slot frees, the server's SETTINGS arrive, GOAWAY, or close.</param>
    public Http2ClientConnection(ConnectionContext context, Http2SessionOptions? options = null, Action<Http2ClientConnection>? onStateChanged = null)
        : base(context, options ?? Http2SessionOptions.Default, isServer: false)
    {
        _onStateChanged = onStateChanged;
        _streamLimit = CappedLimit((uint)Options.InitialPeerMaxConcurrentStreams);
        using (Sync.EnterScope())
        {
            // §3.4: the preface, then our SETTINGS as the first frame; requests may follow at once.
            QueueRawLocked(Http2Preface.ClientPreface);
            QueueLocalSettingsLocked();
            StartLifetimeLocked();
        }

        RunDeferred();
    }

    /// <summary>
    /// Streams this connection may carry at once: the server's SETTINGS_MAX_CONCURRENT_STREAMS
    /// (assumed until they arrive), lowered to our cap if one is set.
    /// </summary>
    public int MaxConcurrentStreams
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _streamLimit;
            }
        }
    }

    /// <summary>New streams may be opened (no GOAWAY either way, not closing, not retired by its lifetime).</summary>
    public bool IsAcceptingStreams
    {
        get
        {
            using (Sync.EnterScope())
            {
                return PhaseValue == Http2ConnectionPhase.Open && !_retiring;
            }
        }
    }

    protected override bool NotifiesOnStreamSlot => true;

    /// <summary>The server's limit, or our cap where that is lower (0: no cap).</summary>
    private int CappedLimit(uint server)
    {
        var cap = Options.ClientMaxConcurrentStreams;
        return cap > 0 && cap < server ? cap : (int)Math.Min(server, int.MaxValue);
    }

    /// <summary>
    /// A new stream, if the connection takes one now (open, below its concurrency limit, within its
    /// lifetime: one past its age retires here, before it takes the stream); else false, and
    /// <paramref name="awaitingSettings"/> says whether the limit refused is only the assumed one (the
    /// server's SETTINGS have not arrived, so room is likely coming — unless our own cap is already
    /// reached, which no SETTINGS can lift, or the connection retired). Both are read under one
    /// lock: asked separately, SETTINGS arriving in between made a full-looking connection with no
    /// settings pending, and the pool opened a second connection it did not need.
    /// </summary>
    public bool TryOpenStream(out Http2ClientStream? stream, out bool awaitingSettings)
    {
        using (Sync.EnterScope())
        {
            if (PhaseValue != Http2ConnectionPhase.Open || _retiring || AgedOutLocked() || ActiveStreamCount >= _streamLimit)
            {
                stream = null;
                var cap = Options.ClientMaxConcurrentStreams;
                awaitingSettings = !_peerSettingsReceived && PhaseValue == Http2ConnectionPhase.Open && !_retiring
                    && (cap <= 0 || ActiveStreamCount < cap);
                return false;
            }

            awaitingSettings = false;

            var opened = (Http2ClientStream)RentStreamLocked();
            CountLocked(opened);
            OnLocalStreamOpenedLocked();
            CountLifetimeStreamLocked();
            stream = opened;
            return true;
        }
    }

    internal void OnStreamDisposed(Http2ClientStream stream)
    {
        using (Sync.EnterScope())
        {
            if (stream.OwnerDone)
            {
                return;
            }

            if (!stream.InputEnded || !stream.OutputEnded)
            {
                // A complete response with our side still open is a completed exchange we cut short.
                var responded = stream.InputEnded && !stream.InboundAborted;
                var end = responded
                    ? new Http2StreamEnd(Http2StreamEndKind.Completed, Http2ErrorCode.NoError, HeadReceived: true, Http2Error.None)
                    : new Http2StreamEnd(Http2StreamEndKind.ResetLocally, Http2ErrorCode.Cancel, stream.PeerHeadReceived, Http2Error.None);
                AbortStreamLocked(stream, end, sendReset: true, Http2ErrorCode.Cancel);
            }

            OwnerDoneLocked(stream);
        }

        RunDeferred();
    }

    protected override Http2Stream CreateStream() => new Http2ClientStream(this);

    /// <summary>Never reached: the codec refuses a stream opened towards a client (push is off, §8.4).</summary>
    protected override Http2Error OnNewPeerStreamLocked(in Http2Frame frame, Http2Error forcedError) => Http2Error.InvalidStreamId;

    protected override Http2Error OnNewStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream) => Http2Error.InvalidStreamId;

    /// <summary>A response head (interim or final, §8.1) or the trailers of the response.</summary>
    protected override Http2Error OnStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream, out bool completedInbound)
    {
        var clientStream = (Http2ClientStream)stream;
        if (clientStream.FinalHeadReceived)
        {
            return DecodeInboundTrailers(stream, block, endStream, out completedInbound);
        }

        completedInbound = false;
        var head = clientStream.ResponseHead;
        var error = Http2HeadDecoder.DecodeResponse(Decoder, block, head, endStream, Limits, _repeatedHeads);
        if (error != Http2Error.None && Http2ErrorTable.IsConnectionError(error))
        {
            return error;
        }

        using (Sync.EnterScope())
        {
            if (error == Http2Error.None && head.StatusCode < 200)
            {
                // An interim response: skipped, but a flood of them is a malformed response (robustness.md §1.6).
                if (++clientStream.InformationalResponses > Options.MaxInformationalResponses)
                {
                    StreamErrorLocked(stream, Http2Error.InvalidStatus);
                }

                return Http2Error.None;
            }

            if (error == Http2Error.None)
            {
                var noContent = clientStream.RequestIsHead || head.StatusCode is 204 or 304;
                stream.InboundLength = new Http2ContentLength(head.ContentLength, noContent);
                if (endStream)
                {
                    error = stream.InboundLength.OnEndStream();
                }
            }

            if (error != Http2Error.None)
            {
                StreamErrorLocked(stream, error);
                return Http2Error.None;
            }

            clientStream.FinalHeadReceived = true;
            stream.PeerHeadReceived = true;
            stream.InputEnded = endStream;
            if (endStream)
            {
                AfterStateChangeLocked(stream);
            }

            _heldHeads.Add((clientStream, stream.StreamId));
        }

        if (endStream)
        {
            stream.InboundPipe.Writer.Complete();
            completedInbound = true;
        }

        return Http2Error.None;
    }

    /// <summary>The read's frames are parsed: the heads it carried are signalled (after the lock, by the batch's end).</summary>
    private void ReleaseHeldHeads()
    {
        using (Sync.EnterScope())
        {
            foreach (var (stream, streamId) in _heldHeads)
            {
                if (stream.StreamId == streamId)
                {
                    Defer(Http2DeferredKind.SignalHead, stream);
                }
            }
        }

        _heldHeads.Clear();
    }

    /// <summary>The stream's identifier is taken when its HEADERS is written: in wire order (§5.1.1).</summary>
    protected override bool PrepareHeadLocked(Http2Stream stream)
    {
        var refused = new Http2StreamEnd(Http2StreamEndKind.Refused, Http2ErrorCode.RefusedStream, HeadReceived: false, Http2Error.None);
        if (PhaseValue != Http2ConnectionPhase.Open)
        {
            AbortStreamLocked(stream, refused, sendReset: false, Http2ErrorCode.NoError);
            return false;
        }

        var streamId = Ids.OpenLocalStream();
        if (streamId < 0)
        {
            // Identifiers used up (§5.1.1): this connection takes no more streams; a new one will.
            AbortStreamLocked(stream, refused, sendReset: false, Http2ErrorCode.NoError);
            StartDrainLocked();
            return false;
        }

        stream.StreamId = streamId;
        stream.SendWindow = NewStreamSendWindowLocked();
        stream.ReceiveWindow = NewStreamReceiveWindow();
        TrackLocked(stream);
        return true;
    }

    /// <summary>
    /// False once the server's SETTINGS came without SETTINGS_ENABLE_CONNECT_PROTOCOL: an extended
    /// CONNECT (a WebSocket) must not be sent then (RFC 8441 §3). Before they come it is sent and the
    /// server's answer decides, as a request on a connection still opening is not held back.
    /// </summary>
    public bool MayExtendConnect
    {
        get
        {
            using (Sync.EnterScope())
            {
                return !_peerSettingsReceived || PeerSettings.EnableConnectProtocol;
            }
        }
    }

    protected override void OnPeerSettingsLocked()
    {
        _peerSettingsReceived = true;
        _streamLimit = CappedLimit(PeerSettings.MaxConcurrentStreams);
        Defer(Http2DeferredKind.NotifyOwner);
    }

    /// <summary>
    /// §6.8: streams above the last-stream-id were not processed and will not be: they end Refused
    /// (retriable), as do streams not yet sent. The rest finish; then the connection closes.
    /// </summary>
    protected override void OnPeerGoAwayLocked(int lastStreamId, Http2ErrorCode code)
    {
        _goAwayLastStreamId = Math.Min(_goAwayLastStreamId, lastStreamId);
        _refused.Clear();
        foreach (var slot in LiveStreamsLocked())
        {
            var stream = slot.Stream;
            if (!stream.EndValue.IsEnded && (stream.StreamId == 0 || stream.StreamId > lastStreamId))
            {
                _refused.Add(stream);
            }
        }

        foreach (var stream in _refused)
        {
            AbortStreamLocked(stream, new Http2StreamEnd(Http2StreamEndKind.Refused, code, HeadReceived: false, Http2Error.None), sendReset: false, Http2ErrorCode.NoError);
        }

        _refused.Clear();
        base.OnPeerGoAwayLocked(lastStreamId, code);
    }

    protected override Http2StreamEnd ConnectionEndFor(Http2Stream stream)
    {
        if (!stream.HeadSent || stream.StreamId > _goAwayLastStreamId)
        {
            return new Http2StreamEnd(Http2StreamEndKind.Refused, Http2ErrorCode.RefusedStream, HeadReceived: false, Failure);
        }

        return base.ConnectionEndFor(stream);
    }

    protected override void OnStreamAborted(Http2Stream stream) => ((Http2ClientStream)stream).SignalHead();

    protected override void OnHeadSignal(Http2Stream stream) => ((Http2ClientStream)stream).SignalHead();

    protected override void OnStateChanged()
    {
        if (_retiring)
        {
            DrainIfIdle();
        }

        _onStateChanged?.Invoke(this);
    }
}
