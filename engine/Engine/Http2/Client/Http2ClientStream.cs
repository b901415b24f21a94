using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Engine.Async;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Http2.Client;

/// <summary>
/// One request on an upstream HTTP/2 connection, the mirror image of the server stream: the
/// request head (HPACK-encoded by the connection's writer, which also gives the stream its
/// identifier then, RFC 9113 §5.1.1), a request body writer drained into DATA within the server's
/// windows, optional trailers; then the final response head (1xx skipped), the response body as a
/// pipe reader, the response trailers, and <see cref="Http2Stream.End"/> saying how it ended and
/// whether a retry is safe. Dispose it when done: that resets it if unfinished and recycles it.
/// </summary>
internal sealed class Http2ClientStream : Http2Stream, IValueTaskSource<bool>, IDisposable, Upstream.IAbortableUpstream
{
    private readonly HttpRequestHead _requestHead = new();
    private readonly HttpResponseHead _responseHead = new();
    private ManualResetValueTaskSourceCore<bool> _headWaiter;
    private bool _waitingForHead;

    internal Http2ClientStream(Http2ClientConnection connection)
        : base(connection)
    {
    }

    /// <summary>The stream's own request head: fill it and pass it to <see cref="WriteRequestHeadAsync"/> to skip the copy.</summary>
    public HttpRequestHead RequestHead => _requestHead;

    /// <summary>
    /// The request body, bounded per stream. Complete() sends END_STREAM after the data;
    /// Complete(exception) resets the stream; a flush reports IsCompleted once the stream is gone.
    /// </summary>
    public PipeWriter RequestBody => Outbound;

    /// <summary>The final response head, valid once <see cref="ReadResponseHeadAsync(HttpResponseHead?)"/> returned true.</summary>
    public HttpResponseHead ResponseHead => _responseHead;

    /// <summary>
    /// The response body: IsCompleted after END_STREAM (content-length checked, §8.1.1); IsCanceled
    /// when the response was cut short — see <see cref="Http2Stream.End"/>.
    /// </summary>
    public PipeReader ResponseBody => Inbound;

    /// <summary>The response trailers when it ended with a trailer section (valid once the body completed); else null.</summary>
    public HttpTrailers? ResponseTrailers
    {
        get
        {
            using (Connection.Sync.EnterScope())
            {
                return HasInboundTrailers ? InboundTrailers : null;
            }
        }
    }

    /// <summary>The request was HEAD: a response body is not expected whatever content-length says (§8.1.1).</summary>
    internal bool RequestIsHead { get; private set; }

    internal bool FinalHeadReceived { get; set; }

    internal int InformationalResponses { get; set; }

    /// <summary>
    /// Queues the request head (copied unless it is <see cref="RequestHead"/>); <paramref name="endStream"/>
    /// when there is no body. Connection-specific fields are left out and Host becomes :authority
    /// (the codec's translation). False when the stream is already gone (see End; Refused is retriable).
    /// </summary>
    public ValueTask<bool> WriteRequestHeadAsync(HttpRequestHead head, bool endStream = false)
    {
        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            if (HeadPending || HeadSent)
            {
                throw new InvalidOperationException("The request head was already written.");
            }
        }

        if (!ReferenceEquals(head, _requestHead))
        {
            // The writer encodes a stream's frames when their turn comes (HPACK state follows wire
            // order, RFC 7541 §2.3.2), so the caller's head is copied now and the caller may reuse it.
            _requestHead.CopyFrom(head);
        }

        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            RequestIsHead = _requestHead.Method == Protocols.Http.HttpMethod.Head;
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
    /// Sends a whole request at once: the head (copied unless it is <see cref="RequestHead"/>),
    /// <paramref name="body"/> (copied before this returns) and END_STREAM, queued together so that
    /// they leave in one send — a unary gRPC call's HEADERS and DATA in one segment. For bodies that
    /// fit the stream's buffer (<see cref="Http2SessionOptions.MaxBufferedBytesPerStream"/>); larger
    /// ones stream through <see cref="RequestBody"/>. False when the stream is already gone.
    /// </summary>
    public ValueTask<bool> WriteRequestAsync(HttpRequestHead head, in ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return WriteRequestHeadAsync(head, endStream: true);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(body.Length, Connection.Options.MaxBufferedBytesPerStream);
        if (!ReferenceEquals(head, _requestHead))
        {
            _requestHead.CopyFrom(head);
        }

        RequestIsHead = _requestHead.Method == Protocols.Http.HttpMethod.Head;
        return new ValueTask<bool>(QueueWholeMessage(body));
    }

    /// <summary>
    /// Waits for the final response head (interim 1xx heads are skipped, at most
    /// <see cref="Http2SessionOptions.MaxInformationalResponses"/>). True: it arrived, and is copied
    /// into <paramref name="head"/> unless that is null or <see cref="ResponseHead"/>. False: the
    /// stream ended first (reset, refused, connection lost, malformed response) — see End.
    /// </summary>
    public ValueTask<bool> ReadResponseHeadAsync(HttpResponseHead? head = null)
    {
        using (Connection.Sync.EnterScope())
        {
            if (FinalHeadReceived)
            {
                return new ValueTask<bool>(CopyOut(head));
            }

            if (EndValue.IsEnded || InputEnded)
            {
                return new ValueTask<bool>(false);
            }

            _headWaiter.Reset();
            _waitingForHead = true;
        }

        return WaitForHeadAsync(head);
    }

    /// <summary>A deadline passed or the client left: CANCEL (the head wait and body reads end at once).</summary>
    void Upstream.IAbortableUpstream.Abort() => Reset(Http2ErrorCode.Cancel);

    /// <summary>The owner is done: an unfinished stream is reset (CANCEL), then the object is recycled.</summary>
    public void Dispose() => ((Http2ClientConnection)Connection).OnStreamDisposed(this);

    internal override void WriteHead(IBufferWriter<byte> output, HpackEncoder encoder, bool endStream, int maxFrameSize)
        => Http2HeadWriter.WriteRequest(output, StreamId, _requestHead, encoder, endStream, maxFrameSize);

    /// <summary>Wakes a <see cref="ReadResponseHeadAsync"/> waiter (head arrived, or the stream ended). Outside the lock.</summary>
    internal void SignalHead()
    {
        bool result;
        using (Connection.Sync.EnterScope())
        {
            if (!_waitingForHead)
            {
                return;
            }

            _waitingForHead = false;
            result = FinalHeadReceived;
        }

        _headWaiter.SetResult(result);
    }

    internal override void ResetForReuse()
    {
        base.ResetForReuse();
        _requestHead.Reset();
        _responseHead.Reset();
        _waitingForHead = false;
        RequestIsHead = false;
        FinalHeadReceived = false;
        InformationalResponses = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _headWaiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _headWaiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _headWaiter.OnCompleted(continuation, state, token, flags);

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<bool> WaitForHeadAsync(HttpResponseHead? head)
    {
        var arrived = await new ValueTask<bool>(this, _headWaiter.Version).ConfigureAwait(false);
        return arrived && CopyOut(head);
    }

    private bool CopyOut(HttpResponseHead? head)
    {
        if (head is not null && !ReferenceEquals(head, _responseHead))
        {
            head.CopyFrom(_responseHead);
        }

        return true;
    }
}
