using System.Buffers;
using System.Text;
using CsCheck;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Tests.Http1;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// decode ∘ encode = id for chunked bodies: any body cut into any chunks, with or without trailers
/// and (ignored) chunk extensions, encoded with <see cref="ChunkedEncoder"/> decodes to the same
/// body and trailers under any split of the bytes into reads, and stops exactly at its end so the
/// next pipelined message is untouched.
/// </summary>
public sealed class ChunkedRoundTripProperties
{
    private const int Iterations = 1500;

    private static readonly Gen<string> Extension = Gen.Select(
        HttpGen.Token,
        Gen.Frequency(
            (1, Gen.Const(string.Empty)),
            (2, HttpGen.Token.Select(t => "=" + t)),
            (1, HttpGen.StringOf(HttpGen.Alpha + " \t,;=", 0, 12).Select(q => "=\"" + q + "\""))),
        (name, value) => ";" + name + value);

    private static readonly Gen<(byte[] Body, int[] Chunks, (string Name, string Value)[] Trailers, string[] Extensions, int[] Reads, byte[] Next)> Case = Gen.Select(
        Gen.Byte.Array[0, 4000],
        Gen.Int[1, 700].Array[1, 12],
        Gen.Select(HttpGen.PlainFieldName, HttpGen.FieldValue).Array[0, 4],
        Gen.Frequency((3, Gen.Const(Array.Empty<string>())), (1, Extension.Array[1, 3])),
        Gen.Int[1, 97].Array[1, 16],
        Gen.Frequency((1, Gen.Const(Array.Empty<byte>())), (1, Gen.Const(Encoding.ASCII.GetBytes("GET /next HTTP/1.1\r\n")))));

    [Fact]
    public void Body_EncodedThenDecoded_UnderAnyReadSplit_IsTheSame()
        => Case.Sample(c =>
        {
            var encoded = Encode(c.Body, c.Chunks, c.Trailers, c.Extensions);
            var input = encoded.Concat(c.Next).ToArray();
            var reads = ReadsCovering(input.Length, c.Reads);

            var outcome = ChunkedDecodeDriver.Run(input, reads, oneBytePerSegment: false);
            Assert.Equal(ChunkedDecodeStatus.Complete, outcome.Status);
            Assert.Equal(c.Body, outcome.Body);
            Assert.Equal(encoded.Length, outcome.Consumed);
            Assert.Equal(c.Body.LongLength, outcome.Decoder.BodyBytes);
            Assert.Equal(c.Trailers.Select(t => $"{t.Name}:{t.Value}"), Fields(outcome.Decoder.Trailers));

            var bytewise = ChunkedDecodeDriver.Run(input, Enumerable.Repeat(1, input.Length).ToArray(), oneBytePerSegment: false);
            Assert.Equal(c.Body, bytewise.Body);
            Assert.Equal(encoded.Length, bytewise.Consumed);
        }, iter: Iterations);

    [Fact]
    public void EncodedBody_CutShort_NeverCompletes()
        => Gen.Select(Case, Gen.Double[0, 1]).Sample((c, fraction) =>
        {
            var encoded = Encode(c.Body, c.Chunks, c.Trailers, c.Extensions);
            var cut = (int)(fraction * (encoded.Length - 1));
            var outcome = ChunkedDecodeDriver.Run(encoded[..cut], [cut], oneBytePerSegment: false);
            Assert.Equal(ChunkedDecodeStatus.NeedMoreData, outcome.Status);
            Assert.True(outcome.Body.AsSpan().SequenceEqual(c.Body.AsSpan(0, outcome.Body.Length)), "a prefix of the body, never other bytes");
        }, iter: Iterations / 3);

    /// <summary>Writes chunks of the given sizes (cycled), extensions on the first chunk lines, then the last chunk and trailers.</summary>
    private static byte[] Encode(byte[] body, int[] chunks, (string Name, string Value)[] trailers, string[] extensions)
    {
        var writer = new ArrayBufferWriter<byte>();
        var offset = 0;
        for (var i = 0; offset < body.Length; i++)
        {
            var size = Math.Min(chunks[i % chunks.Length], body.Length - offset);
            if (i < extensions.Length)
            {
                // Extensions are never written by the encoder (we re-chunk); add them by hand to show the decoder ignores them.
                writer.Write(Encoding.ASCII.GetBytes(size.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + extensions[i] + "\r\n"));
                writer.Write(body.AsSpan(offset, size));
                ChunkedEncoder.WriteChunkTerminator(writer);
            }
            else
            {
                ChunkedEncoder.WriteChunk(writer, body.AsSpan(offset, size));
            }

            offset += size;
        }

        HttpTrailers? section = null;
        if (trailers.Length > 0)
        {
            section = new HttpTrailers();
            foreach (var (name, value) in trailers)
            {
                section.AddHeader(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
            }
        }

        ChunkedEncoder.WriteLastChunk(writer, section);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The generated read sizes, cycled and cut so that they add up to exactly <paramref name="length"/>.</summary>
    private static int[] ReadsCovering(int length, int[] sizes)
    {
        var reads = new List<int>();
        for (var total = 0; total < length; total += reads[^1])
        {
            reads.Add(Math.Min(sizes[reads.Count % sizes.Length], length - total));
        }

        return [.. reads];
    }

    private static IEnumerable<string> Fields(HttpHead head)
        => Enumerable.Range(0, head.HeaderCount).Select(i => Encoding.Latin1.GetString(head.NameOf(i)) + ":" + Encoding.Latin1.GetString(head.ValueOf(i)));
}
