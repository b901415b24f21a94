using System.Text;
using CsCheck;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using static Engine.Protocols.Tests.Hpack.FieldCollector;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// decode ∘ encode = id for HPACK: any header lists sent over one connection — names lowercase
/// (RFC 9113 §8.2.1) or any octets, values any octets, never-indexed or not — encoded with
/// <see cref="HpackEncoder"/> at any table size, Huffman on or off, against a decoder with any
/// SETTINGS_HEADER_TABLE_SIZE, decode to the same fields in the same order, block after block (the
/// dynamic tables stay in step). Credentials and cookies come back never-indexed (§7.1.3).
/// </summary>
public sealed class HpackRoundTripProperties
{
    private const int Iterations = 600;

    /// <summary>Names the static table knows (so its indices and name references are exercised), and others.</summary>
    private static readonly Gen<string> Name = Gen.Frequency(
        (3, Gen.OneOf(":method", ":path", ":authority", ":scheme", ":status", "accept-encoding", "content-type", "cookie", "authorization", "user-agent", "x-request-id", "traceparent")),
        (4, HttpGen.StringOf(HttpGen.Digit + "abcdefghijklmnopqrstuvwxyz-_.", 1, 24)),
        (1, Gen.Char[(char)0, (char)255].Array[0, 300].Select(c => new string(c))));

    private static readonly Gen<string> Value = Gen.Frequency(
        (2, Gen.OneOf("", "GET", "/", "gzip, deflate", "http", "200", "application/grpc")),
        (4, HttpGen.StringOf(HttpGen.ValueChars, 0, 40)),
        (1, Gen.Char[(char)0, (char)255].Array[0, 600].Select(c => new string(c))));

    private static readonly Gen<(string Name, string Value, bool NeverIndexed)[][]> Blocks =
        Gen.Select(Name, Value, Gen.Frequency((5, Gen.Const(false)), (1, Gen.Const(true)))).Array[0, 14].Array[1, 6];

    [Fact]
    public void HeaderLists_EncodedThenDecoded_AreTheSame_AcrossBlocks()
        => Gen.Select(Blocks, Gen.Int[0, 8192], Gen.Int[0, 8192], Gen.Bool).Sample((blocks, encoderSize, decoderSize, huffman) =>
        {
            var encoder = new HpackEncoder(encoderSize, huffman);
            encoder.SetPeerMaxTableSize((uint)decoderSize);
            var decoder = new HpackDecoder(decoderSize);
            foreach (var fields in blocks)
            {
                var block = Encode(encoder, fields);
                Assert.Equal(Engine.Protocols.Http2.Http2Error.None, Decode(decoder, block, out var decoded, maxBytes: int.MaxValue, maxCount: int.MaxValue));
                Assert.Equal(fields.Select(f => (Lower(f.Name), f.Value, f.NeverIndexed || IsSensitive(Lower(f.Name)))), decoded);
                Assert.True(decoder.DynamicTableSize <= decoder.DynamicTableMaxSize);
            }
        }, iter: Iterations);

    [Fact]
    public void AnyBytes_HuffmanEncodedThenDecoded_AreTheSame()
        => Gen.Byte.Array[0, 500].Sample(bytes =>
        {
            var encoded = new byte[Huffman.GetEncodedLength(bytes)];
            Assert.Equal(encoded.Length, Huffman.Encode(bytes, encoded));
            var decoded = new byte[Huffman.GetMaxDecodedLength(encoded.Length)];
            var length = Huffman.Decode(encoded, decoded);
            Assert.Equal(bytes, decoded.AsSpan(0, length).ToArray());
            Assert.Equal(bytes.Length, Huffman.GetDecodedLength(encoded));
        }, iter: Iterations);

    /// <summary>One block: the encoder's pending table size updates (via an empty trailer section), then each field.</summary>
    private static byte[] Encode(HpackEncoder encoder, (string Name, string Value, bool NeverIndexed)[] fields)
    {
        var block = new byte[64 + fields.Sum(f => f.Name.Length + f.Value.Length + 18)];
        var length = encoder.EncodeTrailers(new HttpTrailers(), block);
        foreach (var (name, value, neverIndexed) in fields)
        {
            length += encoder.EncodeField(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), neverIndexed, block.AsSpan(length));
        }

        return block.AsSpan(0, length).ToArray();
    }

    /// <summary>The encoder lowers ASCII letters only (RFC 9113 §8.2.1); other octets go as they are.</summary>
    private static string Lower(string name) => string.Concat(name.Select(c => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c));

    private static bool IsSensitive(string name) => name is "cookie" or "set-cookie" or "authorization" or "proxy-authorization";
}
