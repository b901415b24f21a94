using System.Reflection;
using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Hpack;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Tests.Http2;

/// <summary>
/// A repeated field block is copied from the head it decoded to, never where that could differ
/// from decoding it: after the table changed, under other limits, when a size update is owed, or
/// when the block failed; and what is checked outside the block (a 1xx that ends the stream,
/// trailers that do not) is checked on a copy too. Each case is checked against a second decoder
/// that decodes everything.
/// </summary>
public class HeadBlockMemoTests
{
    private static readonly (string, string)[] Fields = [(":method", "GET"), (":scheme", "http"), (":authority", "svc:8080"), (":path", "/a?b=1"), ("user-agent", "t")];

    /// <summary>The five fields above entered with incremental indexing: the table then holds them at 62 (newest, user-agent) … 66 (:method).</summary>
    private static readonly byte[] Inserting = [.. Fields.SelectMany(f => RawBlock.Indexed(f.Item1, f.Item2))];

    /// <summary>The same request as five one-byte references: what a client sends for every repeat.</summary>
    private static readonly byte[] References = [0xC2, 0xC1, 0xC0, 0xBF, 0xBE];

    [Fact]
    public void RepeatedBlock_FromItsThirdArrival_IsCopied_AsItWouldDecode()
    {
        var pair = new DecoderPair();
        pair.Step(Inserting);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Http2Error.None, pair.Step(References));
        }

        Assert.Equal(3, pair.Memo.Replays); // remembered, kept, then copied three times
        Assert.Equal("/a?b=1", Text(pair.Head, pair.Head.Path));
        Assert.Equal(2, pair.Head.QueryOffset);
        Assert.Equal(("user-agent", "t"), Heads.Fields(pair.Head).Single());
    }

    [Fact]
    public void KeptHead_IsACopy_EditsOfTheStreamsHeadDoNotReachIt()
    {
        var pair = DecoderPair.Primed();
        pair.Head.AddHeader("x-request-id"u8, "1"u8, KnownHeader.XRequestId);
        pair.Head.WritableSpan(pair.Head.Path)[1] = (byte)'z';

        pair.Step(References);
        Assert.Equal(2, pair.Memo.Replays);
        Assert.Equal("/a?b=1", Text(pair.Head, pair.Head.Path));
        Assert.Single(Heads.Fields(pair.Head));
    }

    [Fact]
    public void TableChangedBetweenRepeats_TheBlockIsDecodedAgain()
    {
        var pair = DecoderPair.Primed();

        // A new entry shifts every index by one: the same bytes now name :scheme … x-new, no :method.
        Assert.Equal(Http2Error.None, pair.Step([.. RawBlock.Of(Fields), .. RawBlock.Indexed("x-new", "v")]));
        Assert.Equal(Http2Error.MissingPseudoHeader, pair.Step(References));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void EvictionBetweenRepeats_TheBlockIsDecodedAgain()
    {
        var pair = DecoderPair.Primed(tableSize: 256);

        // A large entry evicts the oldest ones, so 0xC2 no longer exists.
        Assert.Equal(Http2Error.None, pair.Step([.. RawBlock.Of(Fields), .. RawBlock.Indexed("x-big", new string('b', 120))]));
        Assert.Equal(Http2Error.HpackInvalidIndex, pair.Step(References));
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void SizeUpdateOwed_TheRepeatIsRefusedAsUndecoded()
    {
        var pair = DecoderPair.Primed();
        pair.Plain.SetMaxTableSize(2048);
        pair.Memoized.SetMaxTableSize(2048);

        // RFC 7541 §4.2: after our smaller SETTINGS value, the next block must open with a size update.
        Assert.Equal(Http2Error.HpackMissingSizeUpdate, pair.Step(References));
        Assert.Equal(Http2Error.None, pair.Step([0x3F, 0xE1, 0x0F, .. References])); // size update to 2048
        Assert.Equal(1, pair.Memo.Replays);
    }

    [Fact]
    public void BlockWithASizeUpdate_IsNeverCopied()
    {
        var pair = new DecoderPair();
        pair.Step(Inserting);
        byte[] withUpdate = [0x3F, 0xE1, 0x1F, .. References]; // size update to 4096, the size it already has
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http2Error.None, pair.Step(withUpdate));
        }

        Assert.Equal(0, pair.Memo.Replays);
    }

    /// <summary>Two one-byte references to a 3,000-byte entry decode to more than a kept head may hold: repeats are decoded, never kept.</summary>
    [Fact]
    public void BlockDecodingToALargeHead_IsNeverKept()
    {
        var pair = new DecoderPair();
        pair.Step([.. Inserting, .. RawBlock.Indexed("x-large", new string('l', 3000))]);
        byte[] twiceLarge = [0xC3, 0xC2, 0xC1, 0xC0, 0xBE, 0xBE]; // the four pseudo-headers, one place older now, and x-large twice
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http2Error.None, pair.Step(twiceLarge));
        }

        Assert.True(pair.Head.ArenaLength > RepeatedHead<HttpRequestHead>.MaxKeptArenaBytes);
        Assert.Equal(0, pair.Memo.Replays);
    }

    [Fact]
    public void MalformedBlock_IsNeverCopied_EveryRepeatIsRefused()
    {
        var pair = new DecoderPair();
        pair.Step(Inserting);
        byte[] noPath = [0xC2, 0xC1, 0xC0, 0xBE];
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http2Error.MissingPseudoHeader, pair.Step(noPath));
        }

        Assert.Equal(0, pair.Memo.Replays);
    }

    [Fact]
    public void OtherLimits_TheBlockIsDecodedAgain()
    {
        var pair = DecoderPair.Primed();

        Assert.Equal(Http2Error.TooManyHeaders, pair.Step(References, Http2Limits.Default with { MaxHeaderCount = 4 }));
        Assert.Equal(1, pair.Memo.Replays);
    }

    /// <summary>Blocks drawn at random from a set that inserts, evicts, resizes, references and fails: the memo never changes a verdict or a head.</summary>
    [Fact]
    public void RandomSequences_GiveWhatDecodingGives()
    {
        byte[][] blocks =
        [
            Inserting, References, References, References, [0xC2, 0xC1, 0xC0, 0xBF], [0x82, 0x86, 0xC0, 0x84, 0xBE],
            [.. RawBlock.Of(Fields), .. RawBlock.Indexed("x-big", new string('b', 150))],
            [.. RawBlock.Of(Fields), .. RawBlock.Indexed("cookie", "a=1")], [0xC2, 0xC1, 0xC0, 0xBF, 0xBE, 0xBE],
            [0x3F, 0xE1, 0x01, .. References], [0x3F, 0xE1, 0x1F, .. References], [0x20], [0xFF, 0x7F],
        ];
        var random = new Random(20261127);
        var pair = new DecoderPair();
        var replays = 0L;
        for (var step = 0; step < 2000; step++)
        {
            if (random.Next(200) == 0)
            {
                var size = random.Next(2) == 0 ? 4096 : 512;
                pair.Plain.SetMaxTableSize(size);
                pair.Memoized.SetMaxTableSize(size);
            }

            // Clients repeat requests: each block comes one to four times in a row.
            var block = blocks[random.Next(blocks.Length)];
            for (var repeat = random.Next(1, 5); repeat > 0; repeat--)
            {
                if (Http2ErrorTable.IsConnectionError(pair.Step(block)))
                {
                    replays += pair.Memo.Replays;
                    pair = new DecoderPair();
                    break;
                }
            }
        }

        replays += pair.Memo.Replays;
        Assert.True(replays > 100, $"only {replays} blocks were copied: the sequence did not exercise the memo");
    }

    [Fact]
    public void RepeatedResponseBlock_IsCopied_AndAnInformationalHeadEndingTheStreamIsStillRefused()
    {
        var plain = new HpackDecoder();
        var memoized = new HpackDecoder();
        var memo = new HeadBlockMemo<HttpResponseHead>();
        var expected = new HttpResponseHead();
        var head = new HttpResponseHead();
        Http2Error Step(byte[] block, bool endStream)
        {
            var want = Http2HeadDecoder.DecodeResponse(plain, block, expected, endStream, Http2Limits.Default);
            var got = Http2HeadDecoder.DecodeResponse(memoized, block, head, endStream, Http2Limits.Default, memo);
            Assert.Equal(want, got);
            if (got == Http2Error.None)
            {
                Assert.Equal(Heads.Fields(expected), Heads.Fields(head));
                Assert.Equal(expected.StatusCode, head.StatusCode);
                Assert.Equal(expected.ContentLength, head.ContentLength);
            }

            return got;
        }

        // :status 200 (static 8), then content-type and grpc-accept-encoding entered; then the same as references.
        Assert.Equal(Http2Error.None, Step([0x88, .. RawBlock.Indexed("content-type", "application/grpc"), .. RawBlock.Indexed("content-length", "5")], endStream: false));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http2Error.None, Step([0x88, 0xBF, 0xBE], endStream: false));
        }

        Assert.Equal(2, memo.Replays);
        Assert.Equal(5, head.ContentLength);

        // 103 Early Hints as references, kept and then ending the stream: malformed either way (§8.1).
        byte[] early = [.. RawBlock.Of((":status", "103")), 0xBF];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Http2Error.None, Step(early, endStream: false));
        }

        Assert.Equal(Http2Error.InvalidStatus, Step(early, endStream: true));
        Assert.Equal(4, memo.Replays);
    }

    [Fact]
    public void RepeatedTrailers_AreCopied_AndTrailersWithoutEndStreamAreStillRefused()
    {
        var plain = new HpackDecoder();
        var memoized = new HpackDecoder();
        var memo = new HeadBlockMemo<HttpTrailers>();
        var expected = new HttpTrailers();
        var trailers = new HttpTrailers();
        Http2Error Step(byte[] block, bool endStream)
        {
            var want = Http2HeadDecoder.DecodeTrailers(plain, block, expected, endStream, Http2Limits.Default);
            var got = Http2HeadDecoder.DecodeTrailers(memoized, block, trailers, endStream, Http2Limits.Default, memo);
            Assert.Equal(want, got);
            Assert.Equal(Heads.Fields(expected), Heads.Fields(trailers));
            return got;
        }

        Assert.Equal(Http2Error.None, Step(RawBlock.Indexed("grpc-status", "0"), endStream: true));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Http2Error.None, Step([0xBE], endStream: true));
        }

        Assert.Equal(2, memo.Replays);
        Assert.Equal([("grpc-status", "0")], Heads.Fields(trailers));
        Assert.Equal(Http2Error.TrailersWithoutEndStream, Step([0xBE], endStream: false));
        Assert.Equal(3, memo.Replays);
    }

    [Fact]
    public void CopyFrom_CopiesEveryPropertyOfARequestHead()
    {
        var source = Heads.Request("PATCH", "https", "a:1", "/p?q", ("x-a", "1"), ("content-type", "c/2"));
        source.Method = HttpMethod.Patch;
        source.Protocol = source.Append("websocket"u8);
        source.AbsoluteForm = true;
        source.ExpectContinue = true;
        source.HostCount = 2;
        source.ContentLength = 7;
        source.Chunked = true;
        source.Connection = ConnectionOptions.Close;
        source.Version = HttpVersion.Http2;
        source.HeaderAt(1).NeverIndexed = true;

        var copy = new HttpRequestHead();
        copy.AddHeader("x-old"u8, "gone"u8);
        copy.CopyFrom(source);

        foreach (var property in typeof(HttpRequestHead).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            if (!property.PropertyType.IsByRefLike)
            {
                Assert.True(Equals(property.GetValue(source), property.GetValue(copy)), $"{property.Name} not copied");
            }
        }

        Assert.Equal(source.Headers.ToArray(), copy.Headers.ToArray());
        Assert.Equal(Heads.Fields(source), Heads.Fields(copy));
        Assert.True(copy.MayContainAny(HttpHead.MaskOf(KnownHeader.ContentType)));
        Assert.Equal("/p?q", Text(copy, copy.Path));
    }

    private static string Text(HttpHead head, ByteRange range) => Encoding.Latin1.GetString(head.Span(range));

    /// <summary>Two decoders in step: one with a memo, one decoding every block; each step checks they agree.</summary>
    private sealed class DecoderPair(int tableSize = 4096)
    {
        /// <summary>The request inserted, then referenced three times: the third reference was copied.</summary>
        public static DecoderPair Primed(int tableSize = 4096)
        {
            var pair = new DecoderPair(tableSize);
            pair.Step(Inserting);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(Http2Error.None, pair.Step(References));
            }

            Assert.Equal(1, pair.Memo.Replays);
            return pair;
        }

        public HpackDecoder Plain { get; } = new(tableSize);

        public HpackDecoder Memoized { get; } = new(tableSize);

        public HeadBlockMemo<HttpRequestHead> Memo { get; } = new();

        public HttpRequestHead Head { get; } = new();

        private readonly HttpRequestHead _expected = new();

        public Http2Error Step(byte[] block, Http2Limits? limits = null)
        {
            var use = limits ?? Http2Limits.Default;
            var expected = Http2HeadDecoder.DecodeRequest(Plain, block, _expected, use);
            var actual = Http2HeadDecoder.DecodeRequest(Memoized, block, Head, use, Memo);
            Assert.Equal(expected, actual);
            if (actual == Http2Error.None)
            {
                Assert.Equal(Picture(_expected), Picture(Head));
            }

            Assert.Equal(Plain.Table.Changes, Memoized.Table.Changes);
            return actual;
        }

        private static string Picture(HttpRequestHead head)
        {
            var text = new StringBuilder();
            text.Append($"{head.Method} [{Text(head, head.MethodBytes)}] [{Text(head, head.Scheme)}] [{Text(head, head.Authority)}] [{Text(head, head.Path)}] ");
            text.Append($"q={head.QueryOffset} hosts={head.HostCount} expect={head.ExpectContinue} cl={head.ContentLength} v={head.Version}");
            foreach (var field in head.Headers)
            {
                text.Append($" [{Text(head, field.Name)}:{Text(head, field.Value)}:{field.Known}:{field.NeverIndexed}]");
            }

            return text.ToString();
        }
    }
}
