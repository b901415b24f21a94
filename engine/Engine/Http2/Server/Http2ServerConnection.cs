using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Microsoft.AspNetCore.Connections;

namespace Engine.Http2.Server;

/// <summary>
/// A downstream HTTP/2 connection (h2c prior knowledge): runs on a transport connection whose first
/// bytes the listener only peeked at, answers the client preface with our SETTINGS, and hands each
/// new stream to the owner's <see cref="IHttp2StreamHandler"/> as an <see cref="Http2ServerStream"/>.
/// Streams past SETTINGS_MAX_CONCURRENT_STREAMS are refused (REFUSED_STREAM, §5.1.2); a malformed
/// request is reset (PROTOCOL_ERROR, §8.1.1); one over the header budget (HPACK bomb) is answered 431.
/// <see cref="Http2Connection.DrainAsync"/> is the graceful shutdown.
/// </summary>
internal sealed class Http2ServerConnection : Http2Connection
{
    private readonly IHttp2StreamHandler _handler;

    // Streams whose request head came without END_STREAM, held until the rest of the read they
    // came in is parsed (OnFramesRead): a body that arrived with its head (a unary gRPC call, a
    // small POST) is then whole in the stream's pipe when the handler starts, and the proxy sends
    // it upstream with the head instead of streaming it. The reader loop alone touches the list.
    private readonly List<Http2ServerStream> _held = [];

    // The last request block that left the HPACK table alone, and its head once it repeats: a
    // client that sends the same request again is copied, not decoded (HeadBlockMemo).
    private readonly HeadBlockMemo<HttpRequestHead> _repeatedBlock = new();
    private int _handlersRunning;
    private TaskCompletionSource? _handlersDone;

    public Http2ServerConnection(ConnectionContext context, IHttp2StreamHandler handler, Http2SessionOptions? options = null)
        : base(context, options ?? Http2SessionOptions.Default, isServer: true)
    {
        _handler = handler;
    }

    /// <summary>Handlers still running (diagnostics).</summary>
    public int HandlersRunning => Volatile.Read(ref _handlersRunning);

    protected override Http2Stream CreateStream() => new Http2ServerStream(this);

    protected override Http2Error OnNewPeerStreamLocked(in Http2Frame frame, Http2Error forcedError)
    {
        var streamId = frame.StreamId;
        if (forcedError != Http2Error.None)
        {
            RememberResetLocked(streamId, frame.EndStream);
            QueueRstLocked(streamId, Http2ErrorTable.CodeFor(forcedError));
            return CountPrematureResetLocked();
        }

        if (ActiveStreamCount >= Limits.MaxConcurrentStreams)
        {
            // §5.1.2: REFUSED_STREAM tells the client nothing was processed and it may retry.
            RememberResetLocked(streamId, frame.EndStream);
            QueueRstLocked(streamId, Http2ErrorCode.RefusedStream);
            return Http2Error.None;
        }

        var stream = RentStreamLocked();
        stream.StreamId = streamId;
        stream.State.OnReceive(Http2FrameType.Headers, frame.EndStream, out _);
        SetBlockTarget(Http2BlockTarget.NewStream, stream);
        return Http2Error.None;
    }

    protected override Http2Error OnNewStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream)
    {
        var serverStream = (Http2ServerStream)stream;
        var error = Http2HeadDecoder.DecodeRequest(Decoder, block, serverStream.Request, Limits, _repeatedBlock);
        var localStatus = 0;
        using (Sync.EnterScope())
        {
            if (error != Http2Error.None && Http2ErrorTable.IsConnectionError(error))
            {
                ReturnUnexposedLocked(stream);
                return error;
            }

            if (error == Http2Error.None)
            {
                stream.InboundLength = new Http2ContentLength(serverStream.Request.ContentLength);
                if (endStream)
                {
                    error = stream.InboundLength.OnEndStream();
                }
            }

            if (error != Http2Error.None)
            {
                // Over the header budget: answered 431 (robustness.md §3.3); malformed: reset (§8.1.1).
                localStatus = Http2ErrorTable.StatusFor(error);
                if (localStatus != 431)
                {
                    RememberResetLocked(stream.StreamId, endStream);
                    QueueRstLocked(stream.StreamId, Http2ErrorTable.CodeFor(error));
                    ReturnUnexposedLocked(stream);
                    return CountPrematureResetLocked();
                }
            }

            if (PhaseValue >= Http2ConnectionPhase.Closing)
            {
                ReturnUnexposedLocked(stream);
                return Http2Error.None;
            }

            stream.SendWindow = NewStreamSendWindowLocked();
            stream.ReceiveWindow = NewStreamReceiveWindow();
            stream.PeerHeadReceived = true;
            stream.InputEnded = endStream;
            stream.InboundEndedAtHead = endStream;
            stream.InboundWriterCompleted = endStream; // its pipe is not used: nothing to complete
            TrackLocked(stream);
            CountLocked(stream);
            OnPeerStreamOpenedLocked();
            _handlersRunning++;
        }

        if (!endStream && localStatus == 0)
        {
            _held.Add(serverStream);
            return Http2Error.None;
        }

        Dispatch(serverStream, localStatus);
        return Http2Error.None;
    }

    protected override void OnFramesRead()
    {
        if (_held.Count == 0)
        {
            return;
        }

        for (var i = 0; i < _held.Count; i++)
        {
            Dispatch(_held[i], localStatus: 0);
        }

        _held.Clear();
    }

    protected override Http2Error OnStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream, out bool completedInbound)
        => DecodeInboundTrailers(stream, block, endStream, out completedInbound);

    protected override void OnOutputFinishedLocked(Http2Stream stream)
    {
        if (stream.OwnerDone && !stream.InputEnded)
        {
            StopUnreadRequestLocked(stream);
        }
    }

    protected override Task OnClosedAsync()
    {
        using (Sync.EnterScope())
        {
            if (_handlersRunning == 0)
            {
                return Task.CompletedTask;
            }

            _handlersDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _handlersDone.Task;
        }
    }

    /// <summary>
    /// Runs the handler inline (the transport schedules inline, DESIGN.md): it goes as far as it can
    /// synchronously, and only a handler that waits costs an async state machine.
    /// </summary>
    private void Dispatch(Http2ServerStream stream, int localStatus)
    {
        ValueTask task;
        try
        {
            task = localStatus != 0 ? ReplyLocally(stream, localStatus) : _handler.HandleAsync(stream);
        }
        catch (Exception e)
        {
            OnHandlerFinished(stream, e);
            return;
        }

        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            OnHandlerFinished(stream, failure: null);
            return;
        }

        stream.ObserveHandler(task);
    }

    private static ValueTask ReplyLocally(Http2ServerStream stream, int status)
    {
        var head = stream.ResponseHead;
        head.Reset();
        head.StatusCode = status;
        _ = stream.WriteResponseHeadAsync(head, endStream: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The handler returned (or threw). A response it did not complete is reset (INTERNAL_ERROR); a
    /// complete one whose request is still coming is followed by RST_STREAM(NO_ERROR) once sent (§8.1).
    /// </summary>
    internal void OnHandlerFinished(Http2ServerStream stream, Exception? failure)
    {
        TaskCompletionSource? allDone = null;
        using (Sync.EnterScope())
        {
            var completed = stream.OutputFinished || (stream.OutboundCompleteRequested && (stream.HeadPending || stream.HeadSent));
            if (failure is not null || !completed)
            {
                AbortStreamLocked(
                    stream,
                    new Http2StreamEnd(Http2StreamEndKind.ResetLocally, Http2ErrorCode.InternalError, HeadReceived: true, Http2Error.None),
                    sendReset: true,
                    Http2ErrorCode.InternalError);
            }
            else if (stream.OutputFinished && !stream.InputEnded)
            {
                StopUnreadRequestLocked(stream);
            }

            OwnerDoneLocked(stream);
            if (--_handlersRunning == 0 && PhaseValue >= Http2ConnectionPhase.Closing)
            {
                allDone = _handlersDone;
            }
        }

        RunDeferred();
        allDone?.TrySetResult();
    }

    private void StopUnreadRequestLocked(Http2Stream stream)
        => AbortStreamLocked(
            stream,
            new Http2StreamEnd(Http2StreamEndKind.Completed, Http2ErrorCode.NoError, HeadReceived: true, Http2Error.None),
            sendReset: true,
            Http2ErrorCode.NoError);
}
