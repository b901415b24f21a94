using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Hpack.FieldCollector;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>RFC 7541 Appendix C (C.2–C.6) with the dynamic table checked after each block, then the errors.</summary>
public class HpackDecoderTests
{
    private static readonly (string, string, bool)[] FirstRequest =
        [(":method", "GET", false), (":scheme", "http", false), (":path", "/", false), (":authority", "www.example.com", false)];

    private static readonly (string, string, bool)[] SecondRequest = [.. FirstRequest, ("cache-control", "no-cache", false)];

    private static readonly (string, string, bool)[] ThirdRequest =
    [
        (":method", "GET", false), (":scheme", "https", false), (":path", "/index.html", false),
        (":authority", "www.example.com", false), ("custom-key", "custom-value", false),
    ];

    private static readonly (string, string, bool)[] FirstResponse =
    [
        (":status", "302", false), ("cache-control", "private", false),
        ("date", "Mon, 21 Oct 2013 20:13:21 GMT", false), ("location", "https://www.example.com", false),
    ];

    private static readonly (string, string, bool)[] SecondResponse = [(":status", "307", false), .. FirstResponse[1..]];

    private static readonly (string, string, bool)[] ThirdResponse =
    [
        (":status", "200", false), ("cache-control", "private", false), ("date", "Mon, 21 Oct 2013 20:13:22 GMT", false),
        ("location", "https://www.example.com", false), ("content-encoding", "gzip", false),
        ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", false),
    ];

    [Fact]
    public void C2_1_LiteralWithIndexing()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(Http2Error.None, Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", out var fields));
        Assert.Equal([("custom-key", "custom-header", false)], fields);
        Assert.Equal([("custom-key", "custom-header")], TableOf(decoder.Table));
        Assert.Equal(55, decoder.DynamicTableSize);
    }

    [Fact]
    public void C2_2_LiteralWithoutIndexing()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(Http2Error.None, Decode(decoder, "040c2f73616d706c652f70617468", out var fields));
        Assert.Equal([(":path", "/sample/path", false)], fields);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void C2_3_LiteralNeverIndexed_KeepsTheFlag()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(Http2Error.None, Decode(decoder, "100870617373776f726406736563726574", out var fields));
        Assert.Equal([("password", "secret", true)], fields);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void C2_4_Indexed()
    {
        var decoder = new HpackDecoder();
        Assert.Equal(Http2Error.None, Decode(decoder, "82", out var fields));
        Assert.Equal([(":method", "GET", false)], fields);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Theory]
    [InlineData(false, "828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565")]
    [InlineData(true, "828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")]
    public void C3_C4_RequestSequence_TableStateAfterEachBlock(bool huffman, string first, string second, string third)
    {
        _ = huffman;
        var decoder = new HpackDecoder();

        Assert.Equal(Http2Error.None, Decode(decoder, first, out var fields));
        Assert.Equal(FirstRequest, fields);
        Assert.Equal([(":authority", "www.example.com")], TableOf(decoder.Table));
        Assert.Equal(57, decoder.DynamicTableSize);

        Assert.Equal(Http2Error.None, Decode(decoder, second, out fields));
        Assert.Equal(SecondRequest, fields);
        Assert.Equal([("cache-control", "no-cache"), (":authority", "www.example.com")], TableOf(decoder.Table));
        Assert.Equal(110, decoder.DynamicTableSize);

        Assert.Equal(Http2Error.None, Decode(decoder, third, out fields));
        Assert.Equal(ThirdRequest, fields);
        Assert.Equal([("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], TableOf(decoder.Table));
        Assert.Equal(164, decoder.DynamicTableSize);
    }

    [Theory]
    [InlineData(
        false,
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        "4803333037c1c0bf",
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31")]
    [InlineData(
        true,
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        "4883640effc1c0bf",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007")]
    public void C5_C6_ResponseSequence_EvictsWithA256ByteTable(bool huffman, string first, string second, string third)
    {
        _ = huffman;
        var decoder = new HpackDecoder(256);

        Assert.Equal(Http2Error.None, Decode(decoder, first, out var fields));
        Assert.Equal(FirstResponse, fields);
        Assert.Equal(
            [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")],
            TableOf(decoder.Table));
        Assert.Equal(222, decoder.DynamicTableSize);

        // ":status: 307" evicts ":status: 302".
        Assert.Equal(Http2Error.None, Decode(decoder, second, out fields));
        Assert.Equal(SecondResponse, fields);
        Assert.Equal(
            [(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")],
            TableOf(decoder.Table));
        Assert.Equal(222, decoder.DynamicTableSize);

        Assert.Equal(Http2Error.None, Decode(decoder, third, out fields));
        Assert.Equal(ThirdResponse, fields);
        Assert.Equal(
            [
                ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
                ("content-encoding", "gzip"),
                ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            ],
            TableOf(decoder.Table));
        Assert.Equal(215, decoder.DynamicTableSize);
    }

    // §4.2 / §6.3 dynamic table size updates.
    [Fact]
    public void SizeUpdate_AtStart_ShrinksAndEvicts()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", out _);

        Assert.Equal(Http2Error.None, Decode(decoder, "20", out var fields));
        Assert.Empty(fields);
        Assert.Equal(0, decoder.DynamicTableSize);
        Assert.Equal(0, decoder.DynamicTableMaxSize);

        // Back up to 4096 (3f e1 1f), then index 62 no longer exists.
        Assert.Equal(Http2Error.None, Decode(decoder, "3fe11f", out _));
        Assert.Equal(4096, decoder.DynamicTableMaxSize);
        Assert.Equal(Http2Error.HpackInvalidIndex, Decode(decoder, "be", out _));
    }

    [Fact]
    public void SizeUpdate_TwoAtStart_Allowed_ThirdRefused()
    {
        Assert.Equal(Http2Error.None, Decode(new HpackDecoder(), "203fe11f82", out var fields));
        Assert.Single(fields);
        Assert.Equal(Http2Error.HpackTooManySizeUpdates, Decode(new HpackDecoder(), "20203fe11f82", out _));
    }

    [Fact]
    public void SizeUpdate_AfterAField_IsCompressionError()
        => Assert.Equal(Http2Error.HpackSizeUpdateNotFirst, Decode(new HpackDecoder(), "8220", out _));

    [Fact]
    public void SizeUpdate_AboveSettings_IsCompressionError()
        => Assert.Equal(Http2Error.HpackSizeUpdateTooLarge, Decode(new HpackDecoder(4096), "3fe21f", out _));

    [Fact]
    public void SizeUpdate_RequiredAfterWeLoweredTheSetting()
    {
        var decoder = new HpackDecoder();
        decoder.SetMaxTableSize(1024);

        Assert.Equal(Http2Error.HpackMissingSizeUpdate, Decode(decoder, "82", out _));

        decoder = new HpackDecoder();
        decoder.SetMaxTableSize(1024);
        Assert.Equal(Http2Error.HpackSizeUpdateTooLarge, Decode(decoder, "3fe11f82", out _));

        decoder = new HpackDecoder();
        decoder.SetMaxTableSize(1024);
        Assert.Equal(Http2Error.None, Decode(decoder, "3fe10782", out _));
        Assert.Equal(1024, decoder.DynamicTableMaxSize);
        Assert.Equal(Http2Error.None, Decode(decoder, "82", out _));
    }

    [Fact]
    public void SizeUpdate_NotRequired_WhenSettingUnchangedOrRaised()
    {
        var decoder = new HpackDecoder(8192);
        decoder.SetMaxTableSize(8192);
        Assert.Equal(Http2Error.None, Decode(decoder, "82", out _));
    }

    // Representation errors: all COMPRESSION_ERROR (connection).
    [Theory]
    [InlineData("80", "index 0 (§6.1)")]
    [InlineData("be", "dynamic index 62 with an empty table")]
    [InlineData("ff80808008", "huge index")]
    [InlineData("40", "literal name length missing")]
    [InlineData("400a6375", "name shorter than its length")]
    [InlineData("04", "value length missing")]
    [InlineData("040c2f73", "value shorter than its length")]
    [InlineData("4f", "name index 15 then nothing")]
    [InlineData("7f", "name index prefix full, no continuation")]
    [InlineData("0481ff", "Huffman value that is EOS padding only (8 ones)")]
    [InlineData("4081180161", "Huffman name with padding that is not all ones")]
    [InlineData("7e0161", "name index 62 with an empty table")]
    public void Decode_MalformedRepresentation_IsCompressionError(string hex, string why)
    {
        var error = Decode(new HpackDecoder(), hex, out _);
        Assert.True(Http2ErrorTable.CodeFor(error) == Http2ErrorCode.CompressionError, $"{why}: {error}");
        Assert.True(Http2ErrorTable.IsConnectionError(error), why);
    }

    // The HPACK bomb (robustness.md §2.3): a 4 KB entry referenced again and again.
    [Fact]
    public void Bomb_RepeatedLargeEntry_StopsAtTheLimit_ArenaBounded_TableInStep()
    {
        var decoder = new HpackDecoder();
        var value = new string('a', 4000);
        var block = new List<byte> { 0x40, 0x01, (byte)'x', 0x7F };
        block.AddRange(Encode7BitLengthRest(4000 - 127));
        block.AddRange(System.Text.Encoding.ASCII.GetBytes(value));
        for (var i = 0; i < 10_000; i++)
        {
            block.Add(0xBE); // index 62: the 4 KB entry
        }

        var head = new HttpTrailers();
        var fields = new List<(string, string, bool)>();
        var sink = new FieldCollector(head, fields);
        var error = decoder.Decode(block.ToArray(), head, ref sink, 60 * 1024, 100_000);

        Assert.Equal(Http2Error.HeaderListTooLarge, error);
        Assert.False(Http2ErrorTable.IsConnectionError(error));
        Assert.Equal(431, Http2ErrorTable.StatusFor(error));
        Assert.True(fields.Count <= 16, $"{fields.Count} fields delivered");
        Assert.True(head.ArenaLength <= 64 * 1024, $"arena {head.ArenaLength}");

        // The table is still in step: the next block can use the entry.
        Assert.Equal(Http2Error.None, Decode(decoder, "be", out var next));
        Assert.Equal(("x", value, false), next.Single());
    }

    [Fact]
    public void Limits_TooManyFields_StreamError_ButLaterIndexedEntriesStillAdded()
    {
        var decoder = new HpackDecoder();

        // 3 indexed fields, then a literal with indexing after the count limit of 3 is exceeded.
        Assert.Equal(Http2Error.TooManyHeaders, Decode(decoder, "828684" + "82" + "400a637573746f6d2d6b65790d637573746f6d2d686561646572", out var fields, maxCount: 3));
        Assert.Equal(3, fields.Count);
        Assert.Equal([("custom-key", "custom-header")], TableOf(decoder.Table));
    }

    [Fact]
    public void Limits_HuffmanEntryAfterLimit_StillAddedToTable()
    {
        var decoder = new HpackDecoder();

        // C.4.1 with a byte limit of 10: :authority (Huffman, indexed) arrives past the limit.
        Assert.Equal(Http2Error.HeaderListTooLarge, Decode(decoder, "828684418cf1e3c2e5f23a6ba0ab90f4ff", out _, maxBytes: 10));
        Assert.Equal([(":authority", "www.example.com")], TableOf(decoder.Table));
    }

    [Fact]
    public void Limits_InvalidHuffmanAfterLimit_StillCompressionError()
        => Assert.Equal(Http2Error.HpackInvalidHuffman, Decode(new HpackDecoder(), "8286" + "0481ff", out _, maxBytes: 3));

    [Fact]
    public void EntryLargerThanTable_EmptiesTheTable()
    {
        var decoder = new HpackDecoder(64);
        Decode(decoder, "400178" + "0179", out _); // x: y (34 bytes)
        Assert.Equal(34, decoder.DynamicTableSize);

        // 40-byte value + "z" + 32 > 64: the table empties and nothing is added (§4.4).
        Assert.Equal(Http2Error.None, Decode(decoder, "40017a28" + Convert.ToHexString(new byte[40]), out var fields));
        Assert.Single(fields);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void NameFromAnEntryEvictedByTheInsert_IsCopiedFirst()
    {
        // §4.4: "a new entry can reference the name of an entry ... that will be evicted when adding it".
        var decoder = new HpackDecoder(80);
        Decode(decoder, "400a637573746f6d2d6b6579" + "0d637573746f6d2d686561646572", out _); // 55 bytes
        Assert.Equal(Http2Error.None, Decode(decoder, "7e" + "0d6f746865722d7661726961626c", out var fields));
        Assert.Equal(("custom-key", "other-variabl", false), fields.Single());
        Assert.Equal([("custom-key", "other-variabl")], TableOf(decoder.Table));
    }

    [Fact]
    public void ManyInserts_TableWrapsAndCompacts_StaysConsistent()
    {
        var decoder = new HpackDecoder(256);
        for (var i = 0; i < 500; i++)
        {
            var name = $"n{i % 7}";
            var value = new string((char)('a' + (i % 26)), i % 40);
            var block = new List<byte> { 0x40, (byte)name.Length };
            block.AddRange(System.Text.Encoding.ASCII.GetBytes(name));
            block.Add((byte)value.Length);
            block.AddRange(System.Text.Encoding.ASCII.GetBytes(value));
            block.Add(0xBE);
            Assert.Equal(Http2Error.None, Decode(decoder, block.ToArray(), out var fields));
            Assert.Equal(fields[0], fields[1]);
            Assert.Equal((name, value, false), fields[1]);
            Assert.True(decoder.DynamicTableSize <= 256);
        }
    }

    private static byte[] Encode7BitLengthRest(int rest)
    {
        var bytes = new List<byte>();
        while (rest >= 0x80)
        {
            bytes.Add((byte)(rest | 0x80));
            rest >>= 7;
        }

        bytes.Add((byte)rest);
        return [.. bytes];
    }
}
