using System.Buffers;
using System.Reflection;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

/// <summary>
/// A head that repeats its connection's last head byte for byte is copied from the head it parsed
/// to, and is never copied where parsing could say something else: other bytes, other limits, a
/// head split over segments, a head that failed. Each case is checked against a parse without the
/// memo: same status, same consumed length, same error, same head.
/// </summary>
public class Http1HeadMemoTests
{
    private const string Request = "GET /api/users?x=1 HTTP/1.1\r\nHost: svc:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";
    private const string Response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Fri, 27 Nov 2026 16:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n";

    [Fact]
    public void RepeatedRequest_FromItsThirdArrival_IsCopied_AsItWouldParse()
    {
        var pair = new RequestPair();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Http1ParseStatus.Complete, pair.Step(Request + "body-or-next"));
        }

        Assert.Equal(3, pair.Memo.Replays);
        Assert.Equal("/api/users?x=1", Text(pair.Head, pair.Head.Path));
        Assert.Equal("svc:8080", Text(pair.Head, pair.Head.Authority));
    }

    [Fact]
    public void RepeatedResponse_IsCopied_WithItsStatusAndFraming()
    {
        var pair = new ResponsePair();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http1ParseStatus.Complete, pair.Step(Response + "hello, world\n"));
        }

        Assert.Equal(2, pair.Memo.Replays);
        Assert.Equal(200, pair.Head.StatusCode);
        Assert.Equal(13, pair.Head.ContentLength);
        Assert.Equal("OK", Text(pair.Head, pair.Head.Reason));
    }

    [Fact]
    public void KeptHead_IsACopy_EditsOfTheReturnedHeadDoNotReachIt()
    {
        var pair = RequestPair.Primed();
        pair.Head.AddHeader("x-request-id"u8, "1"u8, KnownHeader.XRequestId);
        pair.Head.WritableSpan(pair.Head.Path)[1] = (byte)'z';

        pair.Step(Request);
        Assert.Equal(2, pair.Memo.Replays);
        Assert.Equal("/api/users?x=1", Text(pair.Head, pair.Head.Path));
        Assert.Equal(-1, pair.Head.IndexOf(KnownHeader.XRequestId));
    }

    [Theory]
    [InlineData("GET /api/users?x=2 HTTP/1.1\r\nHost: svc:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")] // one byte differs
    [InlineData("GET /api/users?x=1 HTTP/1.1\r\nHost: svc:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\nX-Trace: 1\r\n\r\n")] // the same start, one field more
    [InlineData("GET /api/users?x=1 HTTP/1.1\r\nHost: svc:8080\r\nUser-Agent: wrk\r\n\r\n")] // shorter
    public void OtherBytes_AreParsed(string other)
    {
        var pair = RequestPair.Primed();
        Assert.Equal(Http1ParseStatus.Complete, pair.Step(other));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void IncompleteRepeat_IsIncomplete()
    {
        var pair = RequestPair.Primed();
        Assert.Equal(Http1ParseStatus.Incomplete, pair.Step(Request[..^1]));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void HeadSplitOverSegments_IsParsed()
    {
        var pair = RequestPair.Primed();
        var bytes = Sequences.Bytes(Request);
        Assert.Equal(Http1ParseStatus.Complete, pair.Step(Sequences.Split(bytes, 20, 40)));
        Assert.Equal(Http1ParseStatus.Complete, pair.Step(Sequences.OneBytePerSegment(bytes)));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void OtherLimits_TheHeadIsParsedAgain()
    {
        var pair = RequestPair.Primed();
        Assert.Equal(Http1ParseStatus.Error, pair.Step(Request, Http1Limits.Default with { MaxHeaderCount = 2 }));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    public void MalformedHead_IsNeverCopied_EveryRepeatIsRefused(string malformed)
    {
        var pair = new RequestPair();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http1ParseStatus.Error, pair.Step(malformed));
        }

        Assert.Equal(0, pair.Memo.Replays);
    }

    [Fact]
    public void LongHead_IsNotRemembered()
    {
        var pair = new RequestPair();
        var longHead = $"GET / HTTP/1.1\r\nHost: a\r\nCookie: {new string('c', Http1HeadMemo<HttpRequestHead>.MaxHeadLength)}\r\n\r\n";
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http1ParseStatus.Complete, pair.Step(longHead));
        }

        Assert.Equal(0, pair.Memo.Replays);
    }

    /// <summary>Heads drawn at random, each one to four times in a row, whole or in segments: the memo never changes an outcome.</summary>
    [Fact]
    public void RandomSequences_GiveWhatParsingGives()
    {
        string[] requests =
        [
            Request, Request + Request, Request + "GET /next HTTP/1.1\r\nHost: b\r\n\r\n", "\r\n" + Request,
            "GET /api/users?x=1 HTTP/1.1\r\nHost: svc:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "GET http://svc:8080/abs?q HTTP/1.1\r\nHost: svc:8080\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.0\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        ];
        var random = new Random(20261127);
        var pair = new RequestPair();
        for (var step = 0; step < 2000; step++)
        {
            var bytes = Sequences.Bytes(requests[random.Next(requests.Length)]);
            for (var repeat = random.Next(1, 5); repeat > 0; repeat--)
            {
                pair.Step(random.Next(8) == 0 ? Sequences.Split(bytes, random.Next(1, bytes.Length)) : Sequences.Whole(bytes));
            }
        }

        Assert.True(pair.Memo.Replays > 100, $"only {pair.Memo.Replays} heads were copied: the sequence did not exercise the memo");
    }

    [Fact]
    public void CopyFrom_CopiesEveryPropertyOfAResponseHead()
    {
        var source = new HttpResponseHead { StatusCode = 503, Version = HttpVersion.Http10, ContentLength = 9, Chunked = true, Connection = ConnectionOptions.Close };
        source.Reason = source.Append("Busy"u8);
        source.AddHeader("retry-after"u8, "1"u8);
        var copy = new HttpResponseHead();
        copy.CopyFrom(source);

        foreach (var property in typeof(HttpResponseHead).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && !p.PropertyType.IsByRefLike))
        {
            Assert.True(Equals(property.GetValue(source), property.GetValue(copy)), $"{property.Name} not copied");
        }

        Assert.Equal("Busy", Text(copy, copy.Reason));
        Assert.Equal(source.Headers.ToArray(), copy.Headers.ToArray());
    }

    private static string Text(HttpHead head, ByteRange range) => System.Text.Encoding.Latin1.GetString(head.Span(range));

    /// <summary>A parser with a memo beside one without; each step checks they agree.</summary>
    private abstract class Pair<THead>
        where THead : HttpHead, new()
    {
        private readonly THead _expected = new();

        public Http1HeadMemo<THead> Memo { get; } = new();

        public THead Head { get; } = new();

        public Http1ParseStatus Step(string raw, Http1Limits? limits = null) => Step(Sequences.Whole(Sequences.Bytes(raw)), limits);

        public Http1ParseStatus Step(ReadOnlySequence<byte> buffer, Http1Limits? limits = null)
        {
            var use = limits ?? Http1Limits.Default;
            var expected = Parse(buffer, _expected, use, out var expectedConsumed, out var expectedError);
            var actual = ParseWithMemo(buffer, Head, use, out var consumed, out var error);
            Assert.Equal(expected, actual);
            Assert.Equal(expectedError, error);
            if (actual == Http1ParseStatus.Complete)
            {
                Assert.Equal(Sequences.Offset(buffer, expectedConsumed), Sequences.Offset(buffer, consumed));
                Assert.Equal(HeadParseHarness.Describe(_expected), HeadParseHarness.Describe(Head));
            }

            return actual;
        }

        protected abstract Http1ParseStatus Parse(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error);

        protected abstract Http1ParseStatus ParseWithMemo(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error);
    }

    private sealed class RequestPair : Pair<HttpRequestHead>
    {
        /// <summary><see cref="Request"/> three times: the third was copied.</summary>
        public static RequestPair Primed()
        {
            var pair = new RequestPair();
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(Http1ParseStatus.Complete, pair.Step(Request));
            }

            Assert.Equal(1, pair.Memo.Replays);
            return pair;
        }

        protected override Http1ParseStatus Parse(in ReadOnlySequence<byte> buffer, HttpRequestHead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error)
            => Http1RequestParser.TryParseRequest(buffer, head, limits, out consumed, out error);

        protected override Http1ParseStatus ParseWithMemo(in ReadOnlySequence<byte> buffer, HttpRequestHead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error)
            => Http1RequestParser.TryParseRequest(buffer, head, limits, Memo, out consumed, out error);
    }

    private sealed class ResponsePair : Pair<HttpResponseHead>
    {
        protected override Http1ParseStatus Parse(in ReadOnlySequence<byte> buffer, HttpResponseHead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error)
            => Http1ResponseParser.TryParseResponse(buffer, head, limits, out consumed, out error);

        protected override Http1ParseStatus ParseWithMemo(in ReadOnlySequence<byte> buffer, HttpResponseHead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error)
            => Http1ResponseParser.TryParseResponse(buffer, head, limits, Memo, out consumed, out error);
    }
}
