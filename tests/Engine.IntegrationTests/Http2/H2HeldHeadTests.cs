using Engine.IntegrationTests.Http2.Support;
using Engine.Http2.Client;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Upstream;

namespace Engine.IntegrationTests.Http2;

/// <summary>
/// An upstream connection signals a response head only once the rest of the read it came in is
/// parsed: a body that came with its head is whole in the stream's pipe when the waiting exchange
/// resumes, so a small answer is relayed without suspending. A stream that ended within that read
/// and was reused for the next request is not signalled for the old one.
/// </summary>
public sealed class H2HeldHeadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task HeadAndBodyInOneRead_TheWaiterResumesWithTheWholeBody()
    {
        await using var server = RawH2Server.Start(answerPings: true, answer: id => RawH2Client.Frames(w =>
        {
            Http2FrameWriter.WriteHeaders(w, id, RawH2Client.Block((":status", "200"), ("content-length", "300")), endStream: false, 16_384);
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Data, Http2FrameFlags.EndStream, id, new byte[300]);
        }));
        await using var pool = H2Calls.Pool(server.Endpoint);
        var open = await pool.OpenStreamAsync();
        Assert.True(open.Opened, "no stream: " + open.Outcome);
        using var stream = open.Stream!;

        // The head is awaited before the request leaves, so the answer wakes a waiter.
        using var deadline = new CancellationTokenSource(Bound);
        using var abort = deadline.Token.Register(((IAbortableUpstream)stream).Abort);
        var response = new HttpResponseHead();
        var head = stream.ReadResponseHeadAsync(response);
        Assert.False(head.IsCompleted);
        await stream.WriteRequestHeadAsync(H2Calls.Request("GET", "/small", "svc"), endStream: true);
        var (whole, length) = await PeekBodyWhenResumedAsync(head, stream);

        Assert.Equal(200, response.StatusCode);
        Assert.True(whole, "the head was signalled before the body that came with it was parsed");
        Assert.Equal(300, length);
    }

    [Fact]
    public async Task StreamEndedAndReusedWithinTheRead_TheNextRequestGetsItsOwnHead()
    {
        // Stream 1's head comes with its reset in one read; any later request gets an empty 200.
        await using var server = RawH2Server.Start(answerPings: true, answer: id => RawH2Client.Frames(w =>
        {
            if (id == 1)
            {
                Http2FrameWriter.WriteHeaders(w, id, RawH2Client.Block((":status", "200")), endStream: false, 16_384);
                Http2FrameWriter.WriteRstStream(w, id, Http2ErrorCode.InternalError);
            }
            else
            {
                Http2FrameWriter.WriteHeaders(w, id, RawH2Client.Block((":status", "200"), ("content-length", "0")), endStream: true, 16_384);
            }
        }));
        await using var pool = H2Calls.Pool(server.Endpoint);
        var open = await pool.OpenStreamAsync();
        Assert.True(open.Opened, "no stream: " + open.Outcome);
        var first = open.Stream!;

        using var deadline = new CancellationTokenSource(Bound);
        using var abort = deadline.Token.Register(((IAbortableUpstream)first).Abort);
        var firstHead = first.ReadResponseHeadAsync(new HttpResponseHead());
        Assert.False(firstHead.IsCompleted);
        await first.WriteRequestHeadAsync(H2Calls.Request("GET", "/reset", "svc"), endStream: true);
        var response = new HttpResponseHead();
        var (second, secondHead) = await ReuseWhenResumedAsync(firstHead, first, pool, response);

        Assert.Same(first, second); // the stream object is pooled: the case under test
        using var abortSecond = deadline.Token.Register(((IAbortableUpstream)second).Abort);
        Assert.True(await secondHead, "the next request was told its stream ended without a head");
        Assert.Equal(200, response.StatusCode);
        second.Dispose();
    }

    /// <summary>
    /// What the body pipe holds the moment the head's waiter resumes, without waiting. The
    /// continuation (ConfigureAwait(false)) runs where the connection signals the head.
    /// </summary>
    private static async Task<(bool Whole, long Length)> PeekBodyWhenResumedAsync(ValueTask<bool> head, Http2ClientStream stream)
    {
        Assert.True(await head.ConfigureAwait(false));
        if (!stream.ResponseBody.TryRead(out var read) || !read.IsCompleted)
        {
            return (false, -1);
        }

        var length = read.Buffer.Length;
        stream.ResponseBody.AdvanceTo(read.Buffer.End);
        return (true, length);
    }

    /// <summary>
    /// Woken by the reset, inside the read that carried it (ConfigureAwait(false)): done with the
    /// stream at once, the next request takes the freed stream and waits for its head before that
    /// read is over.
    /// </summary>
    private static async Task<(Http2ClientStream Stream, ValueTask<bool> Head)> ReuseWhenResumedAsync(
        ValueTask<bool> firstHead, Http2ClientStream first, Http2ClientPool pool, HttpResponseHead response)
    {
        Assert.True(await firstHead.ConfigureAwait(false));
        first.Dispose();
        var next = pool.OpenStreamAsync();
        Assert.True(next.IsCompleted, "a free slot on an open connection is taken without waiting");
        var second = (await next.ConfigureAwait(false)).Stream!;
        var head = second.ReadResponseHeadAsync(response);
        Assert.False(head.IsCompleted);
        _ = second.WriteRequestHeadAsync(H2Calls.Request("GET", "/next", "svc"), endStream: true);
        return (second, head);
    }
}
