using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="HpackDecoder"/> on arbitrary field blocks, one decoder across several blocks so the
/// dynamic table carries over as on a connection. Input: one configuration byte (bits 0–1 the
/// decoder's SETTINGS_HEADER_TABLE_SIZE, bits 2–3 the round-trip encoder's table size), then blocks
/// separated by FF FF FF FF. Oracles:
/// <list type="bullet">
/// <item>decoded fields within MaxHeaderListBytes and MaxHeaderCount, the arena within the limit plus
/// what the block's own literals decode to (the HPACK-bomb defence), the table within its size;</item>
/// <item>a block that decodes whole decodes the same cut in two at a field boundary (decoding is a
/// stream: fields(A‖B) = fields(A) ++ fields(B), same table after);</item>
/// <item>its fields, re-encoded with <see cref="HpackEncoder"/> (Huffman off and on, one encoder and
/// one fresh decoder per kind across all blocks), decode to the same fields — names lowercased
/// (RFC 9113 §8.2.1), never-indexed kept (RFC 7541 §6.2.3) or added for credentials and cookies;</item>
/// <item>Huffman: any bytes encode and decode back; decoding any bytes writes what
/// <c>GetDecodedLength</c> said, within <c>GetMaxDecodedLength</c>;</item>
/// <item>each block decoded three times in a row through a <see cref="HeadBlockMemo{THead}"/>, as a
/// request, a response or trailers (chosen by the block's hash), gives what decoding it gives: the
/// same verdict, head and table.</item>
/// </list>
/// A connection error (COMPRESSION_ERROR) ends the input, as it ends the connection.
/// </summary>
internal sealed class HpackTarget : IFuzzTarget
{
    private const int MaxBlocks = 16;
    private const int PeerTableSize = 65536;
    private static readonly byte[] Separator = [0xFF, 0xFF, 0xFF, 0xFF];
    private static readonly int[] DecoderTableSizes = [4096, 256, 0, 16384];
    private static readonly int[] EncoderTableSizes = [4096, 0, 100, 65536];
    private static readonly Http2Limits Limits = Http2Limits.Default;

    private readonly Dictionary<int, (HpackDecoder Whole, HpackDecoder Split)> _decoders = [];
    private readonly Dictionary<(int, bool), HpackEncoder> _encoders = [];
    private readonly HpackDecoder[] _peers = [new(PeerTableSize), new(PeerTableSize)];
    private readonly HttpTrailers _head = new();
    private readonly HttpTrailers _empty = new();
    private readonly Dictionary<int, (HpackDecoder Plain, HpackDecoder Memoized)> _memoDecoders = [];
    private readonly HeadBlockMemo<HttpRequestHead> _requestMemo = new();
    private readonly HeadBlockMemo<HttpResponseHead> _responseMemo = new();
    private readonly HeadBlockMemo<HttpTrailers> _trailersMemo = new();
    private readonly HttpRequestHead _plainRequest = new();
    private readonly HttpRequestHead _memoRequest = new();
    private readonly HttpResponseHead _plainResponse = new();
    private readonly HttpResponseHead _memoResponse = new();
    private readonly HttpTrailers _plainTrailers = new();
    private readonly HttpTrailers _memoTrailers = new();

    public string Name => "hpack";

    public string Description => "HPACK decoder across blocks: limits, split at field boundaries, re-encode round trip (Huffman off/on), Huffman round trip";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var rest = input[1..];
        CheckHuffman(rest[..Math.Min(rest.Length, 4096)]);
        var decoderSize = DecoderTableSizes[input[0] & 3];
        var encoderSize = EncoderTableSizes[(input[0] >> 2) & 3];
        var (decoder, split) = DecodersOf(decoderSize);
        HpackEncoder[] encoders = [EncoderOf(encoderSize, huffman: false), EncoderOf(encoderSize, huffman: true)];
        foreach (var peer in _peers)
        {
            peer.Reset();
        }

        var blocks = SplitBlocks(rest);
        CheckMemo(blocks, decoderSize);
        var splitInStep = true;
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            var error = Decode(decoder, block, out var fields);
            CheckLimits(decoder, block, fields, decoderSize);
            if (Http2ErrorTable.IsConnectionError(error))
            {
                OracleViolation.Check(error.ToString().StartsWith("Hpack", StringComparison.Ordinal), $"connection error {error} is not a COMPRESSION_ERROR");
                return;
            }

            splitInStep = splitInStep && CheckSplit(split, decoder, block, error, fields);
            if (!splitInStep)
            {
                // The cut fell inside a field: bring the second decoder back to the first one's state.
                split.Reset();
                for (var j = 0; j <= i; j++)
                {
                    Decode(split, blocks[j], out _);
                }

                splitInStep = true;
            }

            if (error == Http2Error.None)
            {
                for (var kind = 0; kind < encoders.Length; kind++)
                {
                    RoundTrip(encoders[kind], _peers[kind], fields, kind == 1);
                }
            }
        }
    }

    private (HpackDecoder Whole, HpackDecoder Split) DecodersOf(int size)
    {
        if (!_decoders.TryGetValue(size, out var pair))
        {
            _decoders[size] = pair = (new HpackDecoder(size), new HpackDecoder(size));
        }

        pair.Whole.Reset();
        pair.Split.Reset();
        return pair;
    }

    private void CheckMemo(List<byte[]> blocks, int decoderSize)
    {
        if (!_memoDecoders.TryGetValue(decoderSize, out var pair))
        {
            _memoDecoders[decoderSize] = pair = (new HpackDecoder(decoderSize), new HpackDecoder(decoderSize));
        }

        pair.Plain.Reset();
        pair.Memoized.Reset();
        _requestMemo.Forget();
        _responseMemo.Forget();
        _trailersMemo.Forget();
        foreach (var block in blocks)
        {
            var kind = (int)(SplitPoint(block) % 3);
            var endStream = (block.Length & 1) == 0;
            for (var repeat = 0; repeat < 3; repeat++)
            {
                Http2Error expected, actual;
                string? expectedHead = null, actualHead = null;
                switch (kind)
                {
                    case 0:
                        expected = Http2HeadDecoder.DecodeRequest(pair.Plain, block, _plainRequest, Limits);
                        actual = Http2HeadDecoder.DecodeRequest(pair.Memoized, block, _memoRequest, Limits, _requestMemo);
                        (expectedHead, actualHead) = (HeadPicture.Of(_plainRequest), HeadPicture.Of(_memoRequest));
                        break;
                    case 1:
                        expected = Http2HeadDecoder.DecodeResponse(pair.Plain, block, _plainResponse, endStream, Limits);
                        actual = Http2HeadDecoder.DecodeResponse(pair.Memoized, block, _memoResponse, endStream, Limits, _responseMemo);
                        (expectedHead, actualHead) = (HeadPicture.Of(_plainResponse), HeadPicture.Of(_memoResponse));
                        break;
                    default:
                        expected = Http2HeadDecoder.DecodeTrailers(pair.Plain, block, _plainTrailers, endStream, Limits);
                        actual = Http2HeadDecoder.DecodeTrailers(pair.Memoized, block, _memoTrailers, endStream, Limits, _trailersMemo);
                        (expectedHead, actualHead) = (HeadPicture.Of(_plainTrailers), HeadPicture.Of(_memoTrailers));
                        break;
                }

                OracleViolation.Equal(expected, actual, $"verdict on a block (kind {kind}) through the memo (arrival {repeat + 1})");
                OracleViolation.Equal(TableOf(pair.Plain), TableOf(pair.Memoized), "table after a block through the memo");
                if (Http2ErrorTable.IsConnectionError(expected))
                {
                    return;
                }

                if (expected == Http2Error.None)
                {
                    OracleViolation.Equal(expectedHead, actualHead, $"head of a block (kind {kind}) through the memo (arrival {repeat + 1})");
                }
            }
        }
    }

    private HpackEncoder EncoderOf(int size, bool huffman)
    {
        if (!_encoders.TryGetValue((size, huffman), out var encoder))
        {
            _encoders[(size, huffman)] = encoder = new HpackEncoder(size, huffman);
        }

        encoder.Reset();
        encoder.SetPeerMaxTableSize(PeerTableSize);
        return encoder;
    }

    private Http2Error Decode(HpackDecoder decoder, ReadOnlySpan<byte> block, out List<DecodedField> fields)
    {
        _head.Reset();
        fields = [];
        var sink = new FieldListSink(_head, fields);
        return decoder.Decode(block, _head, ref sink, Limits.MaxHeaderListBytes, Limits.MaxHeaderCount);
    }

    private void CheckLimits(HpackDecoder decoder, byte[] block, List<DecodedField> fields, int settingsSize)
    {
        OracleViolation.Check(fields.Count <= Limits.MaxHeaderCount, $"{fields.Count} fields delivered, limit {Limits.MaxHeaderCount}");
        var bytes = fields.Sum(f => (long)f.Name.Length + f.Value.Length);
        OracleViolation.Check(bytes <= Limits.MaxHeaderListBytes, $"{bytes} field bytes delivered, limit {Limits.MaxHeaderListBytes}");
        var arenaBound = (long)Limits.MaxHeaderListBytes + Huffman.GetMaxDecodedLength(block.Length);
        OracleViolation.Check(_head.ArenaLength <= arenaBound, $"arena {_head.ArenaLength} bytes for a {block.Length}-byte block");
        OracleViolation.Check(decoder.DynamicTableSize <= decoder.DynamicTableMaxSize && decoder.DynamicTableMaxSize <= settingsSize, "dynamic table over its size");
    }

    /// <summary>
    /// Decodes the block cut in two with the second decoder (in step with the first before it). When
    /// the first part decodes whole it ended on a field boundary, and then the second part must give
    /// the rest of the fields and the same table. False when the decoders may no longer be in step.
    /// </summary>
    private bool CheckSplit(HpackDecoder split, HpackDecoder whole, byte[] block, Http2Error wholeError, List<DecodedField> wholeFields)
    {
        var cut = SplitPoint(block);
        var first = Decode(split, block.AsSpan(0, cut), out var firstFields);
        if (first != Http2Error.None || wholeError != Http2Error.None)
        {
            return false;
        }

        var second = Decode(split, block.AsSpan(cut), out var secondFields);
        OracleViolation.Equal(Http2Error.None, second, $"second part of a block cut at {cut} of {block.Length}");
        OracleViolation.Equal(Show(wholeFields), Show([.. firstFields, .. secondFields]), $"fields of a block cut at {cut}");
        OracleViolation.Equal(TableOf(whole), TableOf(split), $"table after a block cut at {cut}");
        return true;
    }

    /// <summary>Re-encodes <paramref name="fields"/> as one block and decodes it with the encoder's peer.</summary>
    private void RoundTrip(HpackEncoder encoder, HpackDecoder peer, List<DecodedField> fields, bool huffman)
    {
        var destination = new byte[24 + fields.Sum(f => f.Name.Length + f.Value.Length + 18)];
        var written = encoder.EncodeTrailers(_empty, destination); // only the pending table size updates
        foreach (var field in fields)
        {
            written += encoder.EncodeField(field.Name, field.Value, field.NeverIndexed, destination.AsSpan(written));
        }

        var error = Decode(peer, destination.AsSpan(0, written), out var again);
        OracleViolation.Equal(Http2Error.None, error, $"re-encoded block (huffman {huffman})");
        var expected = fields.Select(f => new DecodedField(Lower(f.Name), f.Value, f.NeverIndexed || IsSensitive(Lower(f.Name)))).ToList();
        OracleViolation.Equal(Show(expected), Show(again), $"re-encoded fields (huffman {huffman})");
    }

    private static void CheckHuffman(ReadOnlySpan<byte> bytes)
    {
        var encoded = new byte[Huffman.GetEncodedLength(bytes)];
        OracleViolation.Equal(encoded.Length, Huffman.Encode(bytes, encoded), "Huffman encoded length");
        var decoded = new byte[Huffman.GetMaxDecodedLength(encoded.Length)];
        var length = Huffman.Decode(encoded, decoded);
        OracleViolation.Check(length == bytes.Length && decoded.AsSpan(0, length).SequenceEqual(bytes), "Huffman round trip");
        OracleViolation.Equal(bytes.Length, Huffman.GetDecodedLength(encoded), "Huffman decoded length of an encoded string");

        var anything = new byte[Huffman.GetMaxDecodedLength(bytes.Length)];
        var written = Huffman.Decode(bytes, anything);
        OracleViolation.Equal(Huffman.GetDecodedLength(bytes), written, "Huffman decode vs decoded length of any bytes");
        OracleViolation.Check(written <= anything.Length, "Huffman decoded past its maximum");
    }

    private static List<byte[]> SplitBlocks(ReadOnlySpan<byte> rest)
    {
        var blocks = new List<byte[]>();
        while (blocks.Count < MaxBlocks - 1)
        {
            var at = rest.IndexOf(Separator);
            if (at < 0)
            {
                break;
            }

            blocks.Add(rest[..at].ToArray());
            rest = rest[(at + Separator.Length)..];
        }

        blocks.Add(rest.ToArray());
        return blocks;
    }

    /// <summary>A cut that depends only on the block, so a finding replays.</summary>
    private static int SplitPoint(byte[] block)
    {
        var hash = 2166136261u;
        foreach (var b in block)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)(block.Length + 1));
    }

    private static string TableOf(HpackDecoder decoder)
    {
        var table = decoder.Table;
        var entries = new List<string> { $"size {table.Size}/{table.MaxSize}" };
        for (var i = 0; i < table.Count; i++)
        {
            entries.Add(Convert.ToHexString(table.NameAt(i)) + ":" + Convert.ToHexString(table.ValueAt(i)));
        }

        return string.Join(' ', entries);
    }

    private static string Show(List<DecodedField> fields) => string.Concat(fields);

    /// <summary>ASCII letters lowered, every other byte as it is.</summary>
    private static byte[] Lower(byte[] name) => [.. name.Select(b => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b)];

    private static bool IsSensitive(byte[] lowerName)
        => lowerName.AsSpan().SequenceEqual("cookie"u8) || lowerName.AsSpan().SequenceEqual("set-cookie"u8)
            || lowerName.AsSpan().SequenceEqual("authorization"u8) || lowerName.AsSpan().SequenceEqual("proxy-authorization"u8);
}
