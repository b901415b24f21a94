using System.Buffers;
using System.IO.Pipelines;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Http2.Server;

/// <summary>
/// One request of a downstream HTTP/2 connection, as its handler sees it: the decoded request head
/// (pseudo-header fields mapped into the shared request model), the request body as a pipe reader
/// fed by DATA frames, the trailers, and the response written back through HEADERS, a body pipe
/// writer drained into DATA frames within flow control, and END_STREAM or trailers.
/// </summary>
internal sealed class Http2ServerStream : Http2Stream
{
    private readonly HttpResponseHead _responseHead = new();
    private ValueTask _handler;
    private Action? _onHandlerEnded;

    internal Http2ServerStream(Http2ServerConnection connection)
        : base(connection)
    {
    }

    /// <summary>
    /// Tells the connection when the handler's unfinished task ends. A continuation made once per
    /// (pooled) stream, where an async frame awaiting the task would be a new Task per request.
    /// </summary>
    internal void ObserveHandler(ValueTask handler)
    {
        _handler = handler;
        handler.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onHandlerEnded ??= OnHandlerEnded);
    }

    private void OnHandlerEnded()
    {
        var handler = _handler;
        _handler = default;
        Exception? failure = null;
        try
        {
            handler.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            failure = e;
        }

        ((Http2ServerConnection)Connection).OnHandlerFinished(this, failure);
    }

    /// <summary>The request head: method, scheme, authority, path and fields, decoded by HPACK into the head's arena.</summary>
    public HttpRequestHead Request { get; } = new();

    /// <summary>
    /// The request body: completes (IsCompleted) after END_STREAM, with content-length checked
    /// (RFC 9113 §8.1.1); reads IsCanceled when the request was cut short (reset, connection lost,
    /// malformed) — see <see cref="Http2Stream.End"/>. Consuming it returns flow-control credit to the client.
    /// </summary>
    public PipeReader RequestBody => Inbound;

    /// <summary>The request's trailers, when it ended with a trailer section (valid once the body completed); else null.</summary>
    public HttpTrailers? RequestTrailers
    {
        get
        {
            using (Connection.Sync.EnterScope())
            {
                return HasInboundTrailers ? InboundTrailers : null;
            }
        }
    }

    /// <summary>The stream's own response head: fill it and pass it to <see cref="WriteResponseHeadAsync"/> to skip the copy.</summary>
    public HttpResponseHead ResponseHead => _responseHead;

    /// <summary>
    /// The response body, bounded per stream (<see cref="Http2SessionOptions.MaxBufferedBytesPerStream"/>).
    /// Complete() sends END_STREAM after the data; Complete(exception) resets the stream; a flush
    /// reports IsCompleted once the stream is gone.
    /// </summary>
    public PipeWriter ResponseBody => Outbound;

    /// <summary>
    /// Sends the final response head (status ≥ 200); <paramref name="endStream"/> when there is no
    /// body. The head is copied (unless it is <see cref="ResponseHead"/>), so the caller may reuse it
    /// at once. False when the stream is already gone (reset or connection lost): nothing is sent.
    /// </summary>
    public ValueTask<bool> WriteResponseHeadAsync(HttpResponseHead head, bool endStream = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(head.StatusCode, 200);
        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            if (HeadPending || HeadSent)
            {
                throw new InvalidOperationException("The response head was already written.");
            }
        }

        if (!ReferenceEquals(head, _responseHead))
        {
            // The writer encodes a stream's frames when their turn comes (HPACK state follows wire
            // order, RFC 7541 §2.3.2), so the caller's head is copied now and the caller may reuse it.
            _responseHead.CopyFrom(head);
        }

        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            HeadPending = true;
            HeadEndStream = endStream;
            OutboundWhole = EndsAtHead(endStream); // no body: the pipe stays unused
        }

        if (endStream)
        {
            Connection.OnOutboundCompleted(this, exception: null);
        }
        else
        {
            Connection.OnOutboundData(this);
        }

        return new ValueTask<bool>(true);
    }

    /// <summary>
    /// Sends a whole response at once: the head, <paramref name="body"/> (copied before this returns)
    /// and END_STREAM are queued together, so the writer puts them on the wire in one turn — one
    /// send for a small answer instead of one per step (head, data, end), since the writer runs on
    /// the thread that wakes it. For bodies that fit the stream's buffer; larger ones stream.
    /// False when the stream is already gone.
    /// </summary>
    public ValueTask<bool> WriteResponseAsync(HttpResponseHead head, in ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return WriteResponseHeadAsync(head, endStream: true);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(head.StatusCode, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(body.Length, Connection.Options.MaxBufferedBytesPerStream);

        if (!ReferenceEquals(head, _responseHead))
        {
            _responseHead.CopyFrom(head);
        }

        return new ValueTask<bool>(QueueWholeMessage(body));
    }

    internal override void WriteHead(IBufferWriter<byte> output, HpackEncoder encoder, bool endStream, int maxFrameSize)
        => Http2HeadWriter.WriteResponse(output, StreamId, _responseHead, encoder, endStream, maxFrameSize);

    internal override void ResetForReuse()
    {
        base.ResetForReuse();
        Request.Reset();
        _responseHead.Reset();
    }
}
