using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

public class ChunkedEncoderTests
{
    [Theory]
    [InlineData(1L, "1\r\n")]
    [InlineData(10L, "A\r\n")]
    [InlineData(4096L, "1000\r\n")]
    [InlineData(long.MaxValue, "7FFFFFFFFFFFFFFF\r\n")]
    public void WriteChunkHeader_Size_HexAndCrlf(long size, string expected)
    {
        var writer = new ArrayBufferWriter<byte>();

        ChunkedEncoder.WriteChunkHeader(writer, size);

        Assert.Equal(expected, Encoding.ASCII.GetString(writer.WrittenSpan));
        Assert.True(writer.WrittenCount <= ChunkedEncoder.MaxChunkHeaderLength);
    }

    [Fact]
    public void TryWriteChunkHeader_TooSmall_ReturnsFalse()
    {
        Span<byte> small = stackalloc byte[3];

        Assert.False(ChunkedEncoder.TryWriteChunkHeader(small, 0x100, out var written));
        Assert.Equal(0, written);
        Assert.True(ChunkedEncoder.TryWriteChunkHeader(small, 0x1, out written));
        Assert.Equal("1\r\n", Encoding.ASCII.GetString(small[..written]));
    }

    [Fact]
    public void WriteLastChunk_WithTrailers_WritesFieldsThenEmptyLine()
    {
        var trailers = new HttpTrailers();
        trailers.AddHeader("grpc-status"u8, "0"u8);
        var writer = new ArrayBufferWriter<byte>();

        ChunkedEncoder.WriteChunk(writer, "hi"u8);
        ChunkedEncoder.WriteChunk(writer, ReadOnlySpan<byte>.Empty);
        ChunkedEncoder.WriteLastChunk(writer, trailers);

        Assert.Equal("2\r\nhi\r\n0\r\ngrpc-status: 0\r\n\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void WriteLastChunk_NoTrailers_ZeroCrlfCrlf()
    {
        var writer = new ArrayBufferWriter<byte>();

        ChunkedEncoder.WriteLastChunk(writer);

        Assert.Equal("0\r\n\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    /// <summary>Property: decode ∘ encode = id, for random bodies, chunkings and read splits (seeded, deterministic).</summary>
    [Fact]
    public void EncodeThenDecode_RandomBodiesAndSplits_RoundTrips()
    {
        var random = new Random(20250601);
        for (var round = 0; round < 300; round++)
        {
            var body = new byte[random.Next(0, 2000)];
            random.NextBytes(body);
            var writer = new ArrayBufferWriter<byte>();
            for (var offset = 0; offset < body.Length;)
            {
                var size = Math.Min(body.Length - offset, random.Next(1, 700));
                ChunkedEncoder.WriteChunk(writer, body.AsSpan(offset, size));
                offset += size;
            }

            var trailers = new HttpTrailers();
            if (random.Next(2) == 0)
            {
                trailers.AddHeader("x-checksum"u8, "abc"u8);
            }

            ChunkedEncoder.WriteLastChunk(writer, trailers);
            var encoded = writer.WrittenSpan.ToArray();
            var reads = RandomReads(random, encoded.Length);

            var outcome = ChunkedDecodeDriver.Run(encoded, reads, oneBytePerSegment: random.Next(4) == 0);

            Assert.Equal(ChunkedDecodeStatus.Complete, outcome.Status);
            Assert.Equal(body, outcome.Body);
            Assert.Equal(encoded.Length, outcome.Consumed);
            Assert.Equal(trailers.HeaderCount, outcome.Decoder.Trailers.HeaderCount);
        }
    }

    private static int[] RandomReads(Random random, int total)
    {
        var reads = new List<int>();
        while (total > 0)
        {
            var read = Math.Min(total, random.Next(1, 64));
            reads.Add(read);
            total -= read;
        }

        return reads.ToArray();
    }
}
