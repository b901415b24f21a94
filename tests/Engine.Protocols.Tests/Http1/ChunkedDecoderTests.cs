using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http1;

public class ChunkedDecoderTests
{
    [Theory]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("0\r\n\r\n", "")]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("0005\r\nhello\r\n000\r\n\r\n", "hello")]
    [InlineData("5;a\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;a=b\r\nhello\r\n0;last\r\n\r\n", "hello")]
    [InlineData("5 ;a\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\t; a = b ; c\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;a=\"b c;d\\\"e\"\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;a=\"\"\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;a=\"\u00e9\" ;b=c\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("3\r\n\r\n\r\r\n0\r\n\r\n", "\r\n\r")]
    public void Decode_ValidBody_SameDataEverySplit(string raw, string expected)
    {
        var input = Bytes(raw);
        foreach (var (name, outcome) in ChunkedDecodeDriver.AllWays(input))
        {
            Assert.True(outcome.Status == ChunkedDecodeStatus.Complete, $"{name}: {outcome.Status} {outcome.Error}");
            Assert.Equal(expected, Encoding.Latin1.GetString(outcome.Body));
            Assert.Equal(input.Length, outcome.Consumed);
            Assert.Equal(expected.Length, outcome.Decoder.BodyBytes);
            Assert.True(outcome.Decoder.IsComplete);
        }
    }

    [Fact]
    public void Decode_Trailers_CollectedWithoutFramingFields()
    {
        var input = Bytes("5\r\nhello\r\n0\r\ngrpc-status: 0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nHost: h\r\ngrpc-message:  ok \r\n\r\n");
        foreach (var (name, outcome) in ChunkedDecodeDriver.AllWays(input))
        {
            Assert.True(outcome.Status == ChunkedDecodeStatus.Complete, $"{name}: {outcome.Status} {outcome.Error}");
            var trailers = outcome.Decoder.Trailers;
            Assert.Equal(2, trailers.HeaderCount);
            Assert.Equal("grpc-status", Encoding.Latin1.GetString(trailers.NameOf(0)));
            Assert.Equal("0", Encoding.Latin1.GetString(trailers.ValueOf(0)));
            Assert.Equal("ok", Encoding.Latin1.GetString(trailers.ValueOf(1)));
        }
    }

    [Fact]
    public void Decode_BytesAfterBody_NotConsumed()
    {
        const string Body = "3\r\nabc\r\n0\r\n\r\n";
        var input = Bytes(Body + "GET / HTTP/1.1\r\n");

        var outcome = ChunkedDecodeDriver.Run(input, [input.Length], oneBytePerSegment: false);

        Assert.Equal(ChunkedDecodeStatus.Complete, outcome.Status);
        Assert.Equal(Body.Length, outcome.Consumed);
    }

    [Fact]
    public void Decode_DataIsSliceOfInput_NoCopy()
    {
        var input = Bytes("5\r\nhello\r\n0\r\n\r\n");
        var decoder = new ChunkedDecoder();
        decoder.Reset();

        var status = decoder.Decode(Whole(input), out var data, out _, out _);

        Assert.Equal(ChunkedDecodeStatus.Data, status);
        Assert.True(MemoryMarshalHelpers.SameMemory(input, 3, data.First));
    }

    [Fact]
    public void Decode_LargeChunkInPieces_HandsOutWhatArrived()
    {
        var decoder = new ChunkedDecoder();
        decoder.Reset();

        var status = decoder.Decode(Whole(Bytes("10\r\nabc")), out var data, out var consumed, out _);
        Assert.Equal(ChunkedDecodeStatus.Data, status);
        Assert.Equal("abc", Encoding.Latin1.GetString(data.ToArray()));
        Assert.Equal(3, decoder.BodyBytes);

        status = decoder.Decode(ReadOnlySequence<byte>.Empty, out data, out consumed, out _);
        Assert.Equal(ChunkedDecodeStatus.NeedMoreData, status);
        Assert.True(data.IsEmpty);
    }

    [Theory]
    [InlineData("5\r\nhel")]
    [InlineData("5\r\nhello\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nX-T: 1\r\n")]
    [InlineData("5;a=\"b")]
    [InlineData("")]
    public void Decode_TruncatedBody_NeverComplete(string raw)
    {
        foreach (var (name, outcome) in ChunkedDecodeDriver.AllWays(Bytes(raw)))
        {
            Assert.True(outcome.Status == ChunkedDecodeStatus.NeedMoreData, $"{name}: {outcome.Status} {outcome.Error}");
        }
    }

    [Fact]
    public void Decode_IncompleteTrailers_LeftUnconsumed()
    {
        var input = Bytes("0\r\nX-T: 1\r\n");
        var outcome = ChunkedDecodeDriver.Run(input, [input.Length], oneBytePerSegment: false);

        Assert.Equal(ChunkedDecodeStatus.NeedMoreData, outcome.Status);
        Assert.Equal(3, outcome.Consumed);
    }

    // robustness.md §1.5 #7.
    [Theory]
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("+5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-0\r\n\r\n")]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 \r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\t\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5_\r\nhello\r\n0\r\n\r\n")]
    [InlineData("\r\nhello\r\n0\r\n\r\n")]
    [InlineData(";a\r\nhello\r\n0\r\n\r\n")]
    [InlineData("g\r\n")]
    [InlineData("00000000000000005\r\nhello\r\n0\r\n\r\n")]
    [InlineData("10000000000000000\r\n")]
    [InlineData("8000000000000000\r\n")]
    [InlineData("FFFFFFFFFFFFFFFF\r\n")]
    [InlineData("5\r\nhello\r\n\u0661\r\n")]
    public void Decode_InvalidChunkSize_Rejected(string raw)
        => AssertRejected(raw, Http1Error.InvalidChunkSize);

    [Fact]
    public void Decode_MaxChunkSize_Accepted()
    {
        var decoder = new ChunkedDecoder();
        decoder.Reset();

        var status = decoder.Decode(Whole(Bytes("7FFFFFFFFFFFFFFF\r\nab")), out var data, out _, out _);

        Assert.Equal(ChunkedDecodeStatus.Data, status);
        Assert.Equal(2, data.Length);
    }

    // robustness.md §1.5 #8, CVE-2025-55315 (lone LF in an extension) and friends.
    [Theory]
    [InlineData("2;\r\nab\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("2; \r\nab\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\"b\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;\nhello\r\n0\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5;a\nxx\r\n0\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5;a=b\nhello\r\n0\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5;a\rxx\r\nhello\r\n0\r\n\r\n", Http1Error.BareCarriageReturn)]
    [InlineData("5;\u0000\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\u0000\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\"\u0000\"\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\"\u007f\"\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\"\\\u0001\"\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a\u0001\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a b\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a \r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a= \r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=b \r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;=b\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=b=c\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;a@b\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    [InlineData("5;;\r\nhello\r\n0\r\n\r\n", Http1Error.InvalidChunkExtension)]
    public void Decode_ChunkExtensionAbuse_Rejected(string raw, Http1Error reason)
        => AssertRejected(raw, reason);

    [Fact]
    public void Decode_ChunkLineOver4KiB_Rejected413()
    {
        AssertRejected($"5;a={new string('b', 4 * 1024)}\r\nhello\r\n0\r\n\r\n", Http1Error.ChunkExtensionTooLong);
        Assert.Equal(413, Http1ErrorStatus.StatusFor(Http1Error.ChunkExtensionTooLong));
    }

    [Fact]
    public void Decode_ChunkLineOver4KiBNeverEnding_RejectedWhileIncomplete()
    {
        var decoder = new ChunkedDecoder();
        decoder.Reset();

        var status = decoder.Decode(Whole(Bytes($"5;a={new string('b', 5 * 1024)}")), out _, out _, out var error);

        Assert.Equal(ChunkedDecodeStatus.Error, status);
        Assert.Equal(Http1Error.ChunkExtensionTooLong, error);
    }

    [Fact]
    public void Decode_ExtensionsOver16KiBPerMessage_Rejected()
    {
        var chunk = $"1;a={new string('b', 3 * 1024)}\r\nx\r\n";
        var fits = Bytes(string.Concat(Enumerable.Repeat(chunk, 5)) + "0\r\n\r\n");
        var tooMuch = Bytes(string.Concat(Enumerable.Repeat(chunk, 6)) + "0\r\n\r\n");

        Assert.Equal(ChunkedDecodeStatus.Complete, ChunkedDecodeDriver.Run(fits, [fits.Length], false).Status);
        var outcome = ChunkedDecodeDriver.Run(tooMuch, [tooMuch.Length], false);
        Assert.Equal(ChunkedDecodeStatus.Error, outcome.Status);
        Assert.Equal(Http1Error.ChunkExtensionTooLong, outcome.Error);
    }

    // robustness.md §1.5 #9: chunk lines and data terminators are CRLF, always.
    [Theory]
    [InlineData("5\nhello\r\n0\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5\r\nhello\n0\r\n\r\n", Http1Error.InvalidChunkTerminator)]
    [InlineData("5\r\nhello\r0\r\n\r\n", Http1Error.InvalidChunkTerminator)]
    [InlineData("5\r\nhelloXY0\r\n\r\n", Http1Error.InvalidChunkTerminator)]
    [InlineData("5\r\nhello\r\n0\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("5\r\nhello\r\n0\r\n\n", Http1Error.BareLineFeed)]
    [InlineData("5\r\r\nhello\r\n0\r\n\r\n", Http1Error.BareCarriageReturn)]
    [InlineData("5\rXhello\r\n0\r\n\r\n", Http1Error.BareCarriageReturn)]
    public void Decode_BareLineEnds_Rejected(string raw, Http1Error reason)
        => AssertRejected(raw, reason);

    [Theory]
    [InlineData("0\r\nX: a\r\n b\r\n\r\n", Http1Error.ObsFold)]
    [InlineData("0\r\nX : a\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData("0\r\n: a\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData("0\r\nX: a\u0000\r\n\r\n", Http1Error.InvalidHeaderValue)]
    [InlineData("0\r\nX: a\nY: b\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("0\r\nX: a\r\n\r\r\n", Http1Error.BareCarriageReturn)]
    public void Decode_InvalidTrailers_Rejected(string raw, Http1Error reason)
        => AssertRejected(raw, reason);

    [Fact]
    public void Decode_TooManyTrailers_Rejected()
    {
        var fields = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n"));
        AssertRejected($"0\r\n{fields}\r\n", Http1Error.TooManyHeaders);
    }

    [Fact]
    public void Decode_TrailersOver60KiB_Rejected()
        => AssertRejected($"0\r\nX: {new string('v', 60 * 1024)}\r\n\r\n", Http1Error.HeadersTooLarge);

    [Fact]
    public void Decode_AfterError_StaysFailedUntilReset()
    {
        var decoder = new ChunkedDecoder();
        decoder.Reset();
        decoder.Decode(Whole(Bytes("x\r\n")), out _, out _, out _);

        var status = decoder.Decode(Whole(Bytes("5\r\nhello\r\n0\r\n\r\n")), out _, out _, out var error);
        Assert.Equal(ChunkedDecodeStatus.Error, status);
        Assert.Equal(Http1Error.InvalidChunkSize, error);

        decoder.Reset();
        status = decoder.Decode(Whole(Bytes("5\r\nhello\r\n0\r\n\r\n")), out _, out _, out _);
        Assert.Equal(ChunkedDecodeStatus.Data, status);
    }

    [Fact]
    public void Decode_CustomLimits_Applied()
    {
        var decoder = new ChunkedDecoder(Http1Limits.Default with { MaxChunkLineBytes = 8 });
        var input = Bytes("5;abcdefgh\r\nhello\r\n0\r\n\r\n");

        var outcome = ChunkedDecodeDriver.Run(input, [input.Length], false, decoder);

        Assert.Equal(Http1Error.ChunkExtensionTooLong, outcome.Error);
    }

    private static void AssertRejected(string raw, Http1Error reason)
    {
        foreach (var (name, outcome) in ChunkedDecodeDriver.AllWays(Bytes(raw)))
        {
            Assert.True(outcome.Status == ChunkedDecodeStatus.Error && outcome.Error == reason, $"{name}: {outcome.Status} {outcome.Error}");
        }
    }
}
