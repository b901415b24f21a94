using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

/// <summary>
/// Runs a head parser the three ways STYLE habit 11 asks: the whole buffer, one byte per segment,
/// and every incomplete prefix, and checks they agree.
/// </summary>
internal static class HeadParseHarness
{
    public delegate Http1ParseStatus Parser<THead>(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error);

    public static HttpRequestHead ParseRequest(string raw, int? expectedConsumed = null, Http1Limits? limits = null)
        => ParseValid(raw, () => new HttpRequestHead(), Http1RequestParser.TryParseRequest, expectedConsumed, limits ?? Http1Limits.Default);

    public static HttpResponseHead ParseResponse(string raw, int? expectedConsumed = null)
        => ParseValid(raw, () => new HttpResponseHead(), Http1ResponseParser.TryParseResponse, expectedConsumed, Http1Limits.Default);

    public static Http1Error RejectRequest(string raw, Http1Limits? limits = null)
        => Reject(raw, () => new HttpRequestHead(), Http1RequestParser.TryParseRequest, limits ?? Http1Limits.Default);

    public static Http1Error RejectResponse(string raw)
        => Reject(raw, () => new HttpResponseHead(), Http1ResponseParser.TryParseResponse, Http1Limits.Default);

    /// <summary>A one-line picture of a parsed head, to compare runs and assert on.</summary>
    public static string Describe(HttpHead head)
    {
        var text = new StringBuilder();
        if (head is HttpRequestHead request)
        {
            text.Append($"{request.Method} {Text(request, request.MethodBytes)} {Text(request, request.Path)} q={request.QueryOffset} ");
            text.Append($"scheme={Text(request, request.Scheme)} authority={Text(request, request.Authority)} abs={request.AbsoluteForm} ");
            text.Append($"expect={request.ExpectContinue} hosts={request.HostCount} ");
        }
        else if (head is HttpResponseHead response)
        {
            text.Append($"{response.StatusCode} reason={Text(response, response.Reason)} ");
        }

        text.Append($"{head.Version} cl={head.ContentLength} chunked={head.Chunked} conn={head.Connection}");
        for (var i = 0; i < head.HeaderCount; i++)
        {
            text.Append($" [{Encoding.Latin1.GetString(head.NameOf(i))}:{Encoding.Latin1.GetString(head.ValueOf(i))}:{head.HeaderAt(i).Known}]");
        }

        return text.ToString();
    }

    public static string Text(HttpHead head, ByteRange range) => Encoding.Latin1.GetString(head.Span(range));

    private static THead ParseValid<THead>(string raw, Func<THead> create, Parser<THead> parse, int? expectedConsumed, Http1Limits limits)
        where THead : HttpHead
    {
        var data = Sequences.Bytes(raw);
        var consumedLength = expectedConsumed ?? data.Length;

        var whole = create();
        var wholeBuffer = Sequences.Whole(data);
        var status = parse(wholeBuffer, whole, limits, out var consumed, out var error);
        Assert.Equal(Http1Error.None, error);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(consumedLength, Sequences.Offset(wholeBuffer, consumed));

        var split = create();
        var splitBuffer = Sequences.OneBytePerSegment(data);
        status = parse(splitBuffer, split, limits, out consumed, out error);
        Assert.Equal(Http1Error.None, error);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(consumedLength, Sequences.Offset(splitBuffer, consumed));
        Assert.Equal(Describe(whole), Describe(split));

        var scratch = create();
        for (var length = 0; length < consumedLength; length++)
        {
            var prefix = Sequences.Whole(data[..length]);
            status = parse(prefix, scratch, limits, out consumed, out error);
            Assert.True(status == Http1ParseStatus.Incomplete, $"prefix of {length} bytes: {status} {error}");
            Assert.Equal(prefix.Start, consumed);
        }

        return whole;
    }

    private static Http1Error Reject<THead>(string raw, Func<THead> create, Parser<THead> parse, Http1Limits limits)
        where THead : HttpHead
    {
        var data = Sequences.Bytes(raw);

        var status = parse(Sequences.Whole(data), create(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);

        status = parse(Sequences.OneBytePerSegment(data), create(), limits, out _, out var splitError);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(error, splitError);

        // A prefix either waits for more or already knows the same verdict, and once it knows, every
        // longer prefix knows too.
        var scratch = create();
        var decided = false;
        for (var length = 0; length < data.Length; length++)
        {
            var prefix = Sequences.Whole(data[..length]);
            status = parse(prefix, scratch, limits, out var consumed, out var prefixError);
            Assert.Equal(prefix.Start, consumed);
            if (status == Http1ParseStatus.Incomplete)
            {
                Assert.False(decided, $"prefix of {length} bytes went back to Incomplete");
                continue;
            }

            Assert.Equal(Http1ParseStatus.Error, status);
            Assert.Equal(error, prefixError);
            decided = true;
        }

        return error;
    }
}
