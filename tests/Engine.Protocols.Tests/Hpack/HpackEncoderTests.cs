using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Hpack.FieldCollector;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>The encoder's representation choices against RFC 7541 Appendix C, and round trips through the decoder.</summary>
public class HpackEncoderTests
{
    [Theory]
    [InlineData(false, "828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565")]
    [InlineData(true, "828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")]
    public void C3_C4_RequestSequence_SameBytesAsRfc(bool huffman, string first, string second, string third)
    {
        var encoder = new HpackEncoder(4096, huffman);
        Assert.Equal(first, Encode(encoder, (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")));
        Assert.Equal(second, Encode(encoder, (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")));
        Assert.Equal(third, Encode(encoder, (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")));
        Assert.Equal(164, encoder.DynamicTableSize);
    }

    [Theory]
    [InlineData(false, "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d")]
    [InlineData(true, "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3")]
    public void C5_C6_ResponseSequence_SameBytesAsRfc_ExceptSetCookieNeverIndexed(bool huffman, string first)
    {
        var encoder = new HpackEncoder(256, huffman);
        var date = "Mon, 21 Oct 2013 20:13:21 GMT";
        Assert.Equal(first, Encode(encoder, (":status", "302"), ("cache-control", "private"), ("date", date), ("location", "https://www.example.com")));
        Assert.Equal(222, encoder.DynamicTableSize);
        // C.6.2 Huffman-codes "307" (640eff); it is 3 bytes either way and on a tie we send it raw (cheaper to decode).
        Assert.Equal("4803333037c1c0bf", Encode(encoder, (":status", "307"), ("cache-control", "private"), ("date", date), ("location", "https://www.example.com")));

        // C.5.3 indexes set-cookie (0x77); we send it never-indexed (RFC 7541 §7.1.3): 0x1f 0x28 = name index 55.
        var third = Encode(encoder, (":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", "foo=1"));
        Assert.StartsWith("88c161", third);
        Assert.Contains("1f28", third);
    }

    [Fact]
    public void EncodeRequest_RoundTripsThroughTheRequestDecoder()
    {
        var encoder = new HpackEncoder(huffman: true);
        var decoder = new HpackDecoder();
        var source = Heads.Request("POST", "https", "reviews:9080", "/api/v1/reviews?id=7", ("content-type", "application/json"), ("x-request-id", "abc"), ("authorization", "Bearer x"), ("cookie", "a=1"), ("cookie", "b=2"));
        var decoded = new HttpRequestHead();

        for (var i = 0; i < 3; i++)
        {
            var block = EncodeRequest(encoder, source);
            Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(decoder, block, decoded, Http2Limits.Default));
            Assert.Equal(Engine.Protocols.Http.HttpMethod.Post, decoded.Method);
            Assert.Equal("https", Text(decoded, decoded.Scheme));
            Assert.Equal("reviews:9080", Text(decoded, decoded.Authority));
            Assert.Equal("/api/v1/reviews?id=7", Text(decoded, decoded.Path));
            Assert.Equal(15, decoded.QueryOffset);
            Assert.Equal(Heads.Fields(source), Heads.Fields(decoded));
            Assert.True(decoded.HeaderAt(decoded.IndexOf("authorization"u8)).NeverIndexed);
            Assert.True(decoded.HeaderAt(decoded.IndexOf("cookie"u8)).NeverIndexed);
        }
    }

    [Fact]
    public void EncodeRequest_RepeatedRequest_IsMostlyOneByteIndices()
    {
        var encoder = new HpackEncoder();
        var head = Heads.Request("POST", "http", "greeter.default.svc:50051", "/helloworld.Greeter/SayHello", ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "grpc-dotnet/2.85.0"), ("grpc-accept-encoding", "identity,gzip"));
        var first = EncodeRequest(encoder, head).Length;
        var second = EncodeRequest(encoder, head).Length;

        Assert.True(second <= 8, $"second request took {second} bytes (first {first})");
    }

    [Fact]
    public void FromLimits_DefaultIsIndexedRaw()
    {
        var encoder = HpackEncoder.FromLimits(Http2Limits.Default);
        var block = Convert.ToHexStringLower(EncodeRequest(encoder, Heads.Request("GET", "http", "ab", "/")));
        Assert.Equal("828641026162" + "84", block);
        Assert.Equal(":authority".Length + "ab".Length + 32, encoder.DynamicTableSize);
    }

    [Fact]
    public void Stateless_NeverIndexes()
    {
        var encoder = new HpackEncoder(maxTableSize: 0, huffman: true);
        var head = Heads.Request("GET", "http", "a", "/", ("x-custom", "v"));
        var first = EncodeRequest(encoder, head);
        var second = EncodeRequest(encoder, head);

        // The first block signals the table size 0 (§4.2), later ones repeat the literals.
        Assert.Equal(0x20, first[0]);
        Assert.Equal(first.Length - 1, second.Length);
        Assert.Equal(0, encoder.DynamicTableSize);
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), first, new HttpRequestHead(), Http2Limits.Default));
    }

    [Fact]
    public void SetPeerMaxTableSize_SignalsSmallestThenFinal()
    {
        var encoder = new HpackEncoder(4096, huffman: false);
        encoder.SetPeerMaxTableSize(1024);
        encoder.SetPeerMaxTableSize(2048);
        var block = Convert.ToHexStringLower(EncodeRequest(encoder, Heads.Request("GET", "http", "a", "/")));

        Assert.StartsWith("3fe107" + "3fe10f", block);

        // Signalled once only.
        Assert.StartsWith("82", Convert.ToHexStringLower(EncodeRequest(encoder, Heads.Request("GET", "http", "a", "/"))));
    }

    [Fact]
    public void SetPeerMaxTableSize_AboveOurCap_UsesOurCap()
    {
        var encoder = new HpackEncoder(4096);
        encoder.SetPeerMaxTableSize(65536);
        Assert.StartsWith("82", Convert.ToHexStringLower(EncodeRequest(encoder, Heads.Request("GET", "http", "a", "/"))));
    }

    [Fact]
    public void TableSizeUpdates_DecoderFollowsEncoder()
    {
        var encoder = new HpackEncoder(4096);
        var decoder = new HpackDecoder(4096);
        var head = Heads.Request("GET", "http", "reviews", "/x", ("x-a", "1"), ("x-b", "2"));
        var decoded = new HttpRequestHead();
        foreach (var peerSize in new uint[] { 4096, 100, 0, 4096, 64, 8192, 4096 })
        {
            encoder.SetPeerMaxTableSize(peerSize);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(decoder, EncodeRequest(encoder, head), decoded, Http2Limits.Default));
                Assert.Equal(Heads.Fields(head), Heads.Fields(decoded));
                Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
            }
        }
    }

    [Fact]
    public void Http1Head_NamesLowercased_ConnectionSpecificDropped_TeBecomesTrailers()
    {
        var head = Heads.Request("GET", "http", "reviews", "/", ("Host", "reviews"), ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "5"), ("X-Hop", "1"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("Proxy-Connection", "x"), ("TE", "trailers, deflate"), ("X-Mixed-Case", "V"));
        head.Connection = ConnectionOptions.KeepAlive | ConnectionOptions.OtherTokens;
        var decoded = new HttpRequestHead();

        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), EncodeRequest(new HpackEncoder(), head), decoded, Http2Limits.Default));
        Assert.Equal([("te", "trailers"), ("x-mixed-case", "V")], Heads.Fields(decoded));
        Assert.Equal("reviews", Text(decoded, decoded.Authority));
    }

    [Fact]
    public void Http1ParsedBrowserRequest_TranslatesToAValidHttp2Request()
    {
        const string request =
            "GET /api/v1/items/42?page=2 HTTP/1.1\r\nHost: reviews.default.svc.cluster.local\r\nUser-Agent: Mozilla/5.0\r\n" +
            "Accept-Encoding: gzip, deflate, br\r\nCookie: session=8f14; theme=dark\r\nConnection: keep-alive\r\nx-request-id: 0f8f\r\n\r\n";
        var head = new HttpRequestHead();
        Assert.Equal(Engine.Protocols.Http1.Http1ParseStatus.Complete, Engine.Protocols.Http1.Http1RequestParser.TryParseRequest(new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(request)), head, Engine.Protocols.Http1.Http1Limits.Default, out _, out _));
        var decoded = new HttpRequestHead();

        foreach (var encoder in new[] { new HpackEncoder(), new HpackEncoder(4096, huffman: true), new HpackEncoder(0, huffman: true), new HpackEncoder(0) })
        {
            Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), EncodeRequest(encoder, head), decoded, Http2Limits.Default));
            Assert.Equal("reviews.default.svc.cluster.local", Text(decoded, decoded.Authority));
            Assert.Equal("http", Text(decoded, decoded.Scheme));
            Assert.Equal("/api/v1/items/42?page=2", Text(decoded, decoded.Path));
            Assert.Equal([("user-agent", "Mozilla/5.0"), ("accept-encoding", "gzip, deflate, br"), ("cookie", "session=8f14; theme=dark"), ("x-request-id", "0f8f")], Heads.Fields(decoded));
        }
    }

    [Fact]
    public void Te_WithoutTrailers_IsDropped()
    {
        var decoded = new HttpRequestHead();
        var head = Heads.Request("GET", "http", "a", "/", ("TE", "gzip"));
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), EncodeRequest(new HpackEncoder(), head), decoded, Http2Limits.Default));
        Assert.Empty(Heads.Fields(decoded));
    }

    [Fact]
    public void Connect_SendsOnlyMethodAndAuthority()
    {
        var head = Heads.Request("CONNECT", "", "example.com:443", "");
        head.Method = Engine.Protocols.Http.HttpMethod.Connect;
        var decoded = new HttpRequestHead();

        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), EncodeRequest(new HpackEncoder(), head), decoded, Http2Limits.Default));
        Assert.Equal("example.com:443", Text(decoded, decoded.Authority));
        Assert.True(decoded.Path.IsEmpty && decoded.Scheme.IsEmpty);
    }

    [Fact]
    public void ExtendedConnect_SendsProtocolSchemeAuthorityAndPath()
    {
        // RFC 8441 §4: a WebSocket over HTTP/2 is a CONNECT with :protocol and the pseudo-headers a
        // plain CONNECT leaves out.
        var head = Heads.Request("CONNECT", "http", "chat:8000", "/ws?room=1", ("sec-websocket-version", "13"));
        head.Method = Engine.Protocols.Http.HttpMethod.Connect;
        head.Protocol = head.Append("websocket"u8);

        Assert.Equal(Http2Error.None, Decode(new HpackDecoder(), EncodeRequest(new HpackEncoder(), head), out var fields));
        Assert.Equal(
            [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"), (":authority", "chat:8000"), (":path", "/ws?room=1"), ("sec-websocket-version", "13")],
            fields.Select(f => (f.Name, f.Value)));
    }

    [Theory]
    [InlineData(200, "88")]
    [InlineData(204, "89")]
    [InlineData(404, "8d")]
    [InlineData(503, "4803353033")]
    public void EncodeResponse_Status_StaticOrLiteral(int status, string hex)
    {
        var head = new HttpResponseHead { StatusCode = status };
        var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
        var length = new HpackEncoder().EncodeResponse(head, block);
        Assert.Equal(hex, Convert.ToHexStringLower(block, 0, length));
    }

    [Fact]
    public void EncodeResponse_RoundTrip_WithLargeValue()
    {
        var head = new HttpResponseHead { StatusCode = 302 };
        head.AddHeader("location"u8, Encoding.ASCII.GetBytes("/" + new string('x', 20_000)));
        head.AddHeader("Content-Length"u8, "0"u8, KnownHeader.ContentLength);
        var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
        var length = new HpackEncoder(huffman: true).EncodeResponse(head, block);
        var decoded = new HttpResponseHead();

        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(new HpackDecoder(), block.AsSpan(0, length), decoded, endStream: false, Http2Limits.Default));
        Assert.Equal(302, decoded.StatusCode);
        Assert.Equal(0, decoded.ContentLength);
        Assert.Equal(Heads.Fields(head).Select(f => (f.Item1.ToLowerInvariant(), f.Item2)), Heads.Fields(decoded));
    }

    [Fact]
    public void RandomHeads_RoundTrip_WithAndWithoutIndexingAndHuffman()
    {
        var random = new Random(9113);
        foreach (var (tableSize, huffman) in new[] { (4096, true), (4096, false), (0, true), (256, true) })
        {
            var encoder = new HpackEncoder(tableSize, huffman);
            var decoder = new HpackDecoder();
            var decoded = new HttpResponseHead();
            for (var i = 0; i < 300; i++)
            {
                var head = new HttpResponseHead { StatusCode = 200 + random.Next(0, 300) };
                var count = random.Next(0, 12);
                for (var f = 0; f < count; f++)
                {
                    var name = "x-h" + random.Next(0, 20);
                    var value = new string('v', random.Next(0, 3)) + random.Next(0, 50) + (random.Next(4) == 0 ? new string('z', random.Next(100, 400)) : string.Empty);
                    head.AddHeader(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
                }

                var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
                var length = encoder.EncodeResponse(head, block);
                Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(decoder, block.AsSpan(0, length), decoded, endStream: false, Http2Limits.Default));
                Assert.Equal(head.StatusCode, decoded.StatusCode);
                Assert.Equal(Heads.Fields(head), Heads.Fields(decoded));
                Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
            }
        }
    }

    [Fact]
    public void KnownHeaders_RoundTrip_AsTheTableEvictsAndRefills()
    {
        // The encoder finds a known header's newest entry by its insertion number: dates that change
        // every "second", values that alternate and small tables that evict must all still decode to
        // the same fields with the two tables in step.
        var random = new Random(7541);
        string[] types = ["text/plain", "application/json", "text/html; charset=utf-8"];
        foreach (var tableSize in new[] { 4096, 256, 100 })
        {
            var encoder = new HpackEncoder(tableSize);
            var decoder = new HpackDecoder();
            var decoded = new HttpResponseHead();
            var second = 0;
            for (var i = 0; i < 2000; i++)
            {
                second += random.Next(0, 40) == 0 ? 1 : 0;
                var head = new HttpResponseHead { StatusCode = 200 };
                AddKnown(head, "Server", random.Next(0, 8) == 0 ? "envoy" : "nginx/1.22.1");
                AddKnown(head, "Date", $"Thu, 26 Nov 2026 20:{second / 60 % 60:00}:{second % 60:00} GMT");
                AddKnown(head, "Content-Type", types[random.Next(types.Length)]);
                AddKnown(head, "Content-Length", random.Next(0, 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (random.Next(0, 3) == 0)
                {
                    // The same values under another name: a look-up that lands on the wrong entry would still match the value.
                    head.AddHeader("x-custom"u8, Encoding.ASCII.GetBytes(random.Next(0, 2) == 0 ? types[random.Next(types.Length)] : "nginx/1.22.1"));
                }

                var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
                var length = encoder.EncodeResponse(head, block);
                Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(decoder, block.AsSpan(0, length), decoded, endStream: false, Http2Limits.Default));
                Assert.Equal(Heads.Fields(head).Select(f => (f.Item1.ToLowerInvariant(), f.Item2)), Heads.Fields(decoded));
                Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
            }
        }
    }

    [Fact]
    public void KnownHeaders_RepeatedAndAlternatingValues_AreIndexedOnce()
    {
        var encoder = new HpackEncoder();
        var json = Response(("Server", "nginx"), ("Content-Type", "application/json"));
        var html = Response(("Server", "nginx"), ("Content-Type", "text/html"));

        Assert.True(EncodeResponse(encoder, json) > 20);
        var afterFirst = encoder.DynamicTableSize;
        Assert.Equal(3, EncodeResponse(encoder, json)); // :status, server and content-type: one index byte each
        Assert.True(EncodeResponse(encoder, html) > 3);
        var afterHtml = encoder.DynamicTableSize;
        Assert.True(afterHtml > afterFirst);

        // content-type's newest entry is text/html now: the older application/json is still found.
        Assert.Equal(3, EncodeResponse(encoder, json));
        Assert.Equal(afterHtml, encoder.DynamicTableSize);
    }

    [Fact]
    public void KnownPerMessageFields_AreSentWithoutIndexing_TheirNamesIndexedOnce()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        var sizes = new List<int>();
        var lengths = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            // Values new on every message: a length, a request id, a service time.
            var head = Response(("Content-Length", (13 + i).ToString()), ("x-request-id", $"4bf92f35-77b3-4da6-a3ce-929d0e0e{i:d4}"), ("x-envoy-upstream-service-time", (i % 7).ToString()));
            var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
            var length = encoder.EncodeResponse(head, block);
            sizes.Add(encoder.DynamicTableSize);
            lengths.Add(length);

            var decoded = new HttpResponseHead();
            Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(decoder, block.AsSpan(0, length), decoded, endStream: false, Http2Limits.Default));
            Assert.Equal(Heads.Fields(head).Select(f => (f.Item1.ToLowerInvariant(), f.Item2)), Heads.Fields(decoded));
            Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
        }

        // content-length has a static name and is never entered; the two names without one enter
        // the table with the first message only, so no later message evicts anything.
        Assert.Equal((12 + 36 + 32) + (29 + 1 + 32), sizes[0]);
        Assert.All(sizes, size => Assert.Equal(sizes[0], size));

        // Later messages reference both names instead of spelling them: :status, then per field
        // the representation (two bytes: a name index of 15 or more overflows the 4-bit prefix,
        // §5.1), a length byte and the value. The first spelled both names out.
        Assert.Equal(1 + (2 + 1 + 2) + (2 + 1 + 36) + (2 + 1 + 1), lengths[1]);
        Assert.True(lengths[0] >= lengths[1] + "x-request-id".Length + "x-envoy-upstream-service-time".Length);
    }

    [Fact]
    public void StaticStatuses_AreOneByte_OthersIndexedOnce()
    {
        var encoder = new HpackEncoder();
        foreach (var (code, index) in new[] { (200, 8), (204, 9), (206, 10), (304, 11), (400, 12), (404, 13), (500, 14) })
        {
            var block = new byte[16];
            Assert.Equal(1, encoder.EncodeResponse(new HttpResponseHead { StatusCode = code }, block));
            Assert.Equal(0x80 | index, block[0]);
        }

        Assert.Equal(0, encoder.DynamicTableSize);
        var other = new HttpResponseHead { StatusCode = 503 };
        var first = new byte[16];
        Assert.Equal(1 + 1 + 3, encoder.EncodeResponse(other, first)); // literal with indexing, :status's static name
        Assert.Equal(0x40 | 8, first[0]);
        Assert.Equal(1, encoder.EncodeResponse(other, new byte[16]));

        var decoded = new HttpResponseHead();
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(new HpackDecoder(), first.AsSpan(0, 5), decoded, endStream: false, Http2Limits.Default));
        Assert.Equal(503, decoded.StatusCode);
    }

    [Fact]
    public void GetMaxEncodedLength_BoundsTheWorstCase()
    {
        // Bytes whose Huffman codes are long: the encoder falls back to raw, never above the bound.
        var head = Heads.Request("PROPFIND", "https", "\u00ff\u00fe", "/\u00ff", ("x-bin", "\u0001\u0002\u00ff"), ("x-long", new string('\u00fd', 300)));
        var bound = HpackEncoder.GetMaxEncodedLength(head);
        var block = new byte[bound];
        Assert.True(new HpackEncoder().EncodeRequest(head, block) <= bound);
    }

    /// <summary>
    /// Fuzz finding (hpack target, corpus/hpack/sensitive-and-static-never-indexed): a field sent
    /// never-indexed that the static table holds whole (:method GET, accept-encoding "gzip, deflate")
    /// was re-encoded as an index, dropping the never-indexed representation §6.2.3 makes intermediaries keep.
    /// </summary>
    [Theory]
    [InlineData(":method", "GET", "1203474554")]
    [InlineData("accept-encoding", "gzip, deflate", "1f010d677a69702c206465666c617465")]
    [InlineData("cookie", "", "1f1100")]
    public void EncodeField_NeverIndexed_StaysNeverIndexedEvenWhenTheStaticTableHasTheField(string name, string value, string hex)
    {
        var encoder = new HpackEncoder();
        var block = new byte[64];
        var length = encoder.EncodeField(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), neverIndexed: true, block);
        Assert.Equal(hex, Convert.ToHexStringLower(block, 0, length));

        Assert.Equal(Http2Error.None, Decode(new HpackDecoder(), block.AsSpan(0, length).ToArray(), out var fields));
        Assert.Equal([(name, value, true)], fields);
        Assert.Equal(0, encoder.DynamicTableSize);
    }

    /// <summary>
    /// Fuzz finding (hpack target, corpus/hpack/uppercase-and-high-bytes): Ascii.ToLower stops at the
    /// first non-ASCII byte, so a name holding one was cut short (caf + 0xE9 went out as "caf", and the
    /// encoder's table entry no longer matched the decoder's); past 256 bytes the rest of the
    /// destination was left unwritten. HPACK names are octets: only A–Z are lowered.
    /// </summary>
    [Theory]
    [InlineData(4096, false)]
    [InlineData(4096, true)]
    [InlineData(0, false)]
    public void EncodeField_NameWithNonAsciiBytes_KeptWhole_OnlyAsciiLowered(int tableSize, bool huffman)
    {
        var encoder = new HpackEncoder(tableSize, huffman);
        var decoder = new HpackDecoder();
        var shortName = "X-Caf\u00e9-\u00ffName";
        var longName = "X-" + new string('\u00e9', 300) + "-Tail";
        for (var round = 0; round < 2; round++)
        {
            var block = new byte[1024];
            var length = 0;
            foreach (var name in new[] { shortName, longName })
            {
                length += encoder.EncodeField(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes("v\u00ff"), neverIndexed: false, block.AsSpan(length));
            }

            Assert.Equal(Http2Error.None, Decode(decoder, block.AsSpan(0, length).ToArray(), out var fields));
            Assert.Equal([("x-caf\u00e9-\u00ffname", "v\u00ff", false), ("x-" + new string('\u00e9', 300) + "-tail", "v\u00ff", false)], fields);
            Assert.Equal(encoder.DynamicTableSize, decoder.DynamicTableSize);
        }
    }

    private static void AddKnown(HttpHead head, string name, string value)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        head.AddHeader(nameBytes, Encoding.ASCII.GetBytes(value), Engine.Protocols.Http1.KnownHeaders.Identify(nameBytes));
    }

    private static HttpResponseHead Response(params (string Name, string Value)[] fields)
    {
        var head = new HttpResponseHead { StatusCode = 200 };
        foreach (var (name, value) in fields)
        {
            AddKnown(head, name, value);
        }

        return head;
    }

    private static int EncodeResponse(HpackEncoder encoder, HttpResponseHead head)
        => encoder.EncodeResponse(head, new byte[HpackEncoder.GetMaxEncodedLength(head)]);

    internal static string Text(HttpHead head, ByteRange range) => Encoding.Latin1.GetString(head.Span(range));

    internal static byte[] EncodeRequest(HpackEncoder encoder, HttpRequestHead head)
    {
        var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
        var length = encoder.EncodeRequest(head, block);
        return block.AsSpan(0, length).ToArray();
    }

    private static string Encode(HpackEncoder encoder, params (string Name, string Value)[] fields)
    {
        var block = new byte[4096];
        var length = 0;
        foreach (var (name, value) in fields)
        {
            length += encoder.EncodeField(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), neverIndexed: false, block.AsSpan(length));
        }

        return Convert.ToHexStringLower(block, 0, length);
    }
}
