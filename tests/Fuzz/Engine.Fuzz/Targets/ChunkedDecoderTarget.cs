using System.Buffers;
using Engine.Protocols.Http1;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="ChunkedDecoder"/> on arbitrary bytes, fed as a pipe feeds it (unconsumed bytes stay
/// at the front of the next read). Oracles: the outcome (status, error, body, trailers, bytes
/// consumed) is the same for one read, one byte per read, and input-derived random reads split
/// into random segments; a body that decoded, re-encoded with <see cref="ChunkedEncoder"/> in
/// other chunk sizes, decodes to the same body and trailers and is consumed exactly.
/// </summary>
internal sealed class ChunkedDecoderTarget : IFuzzTarget
{
    private readonly ChunkedDecoder _decoder = new();
    private readonly ArrayBufferWriter<byte> _writer = new();

    public string Name => "chunked";

    public string Description => "chunked body decoder: read splits, decoder reuse, encode-then-decode round trip";

    private sealed record Outcome(ChunkedDecodeStatus Status, Http1Error Error, byte[] Body, long Consumed, string Trailers);

    public void Run(ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        var whole = Decode(data, [data.Length], segmentLengths: null);
        var byteReads = Decode(data, Enumerable.Repeat(1, data.Length).ToArray(), segmentLengths: null);
        var randomReads = Decode(data, Segments.ReadSizes(input, 64), Segments.ReadSizes(input[..(input.Length / 2)], 7));
        Same(whole, byteReads, "one byte per read");
        Same(whole, randomReads, "random reads and segments");
        if (whole.Status == ChunkedDecodeStatus.Complete)
        {
            RoundTrip(whole, Segments.ReadSizes(input, 300));
        }
    }

    private static void Same(Outcome expected, Outcome actual, string how)
    {
        OracleViolation.Equal(expected.Status, actual.Status, "status, " + how);
        OracleViolation.Equal(expected.Error, actual.Error, "error, " + how);
        OracleViolation.Equal(expected.Consumed, actual.Consumed, "consumed, " + how);
        OracleViolation.Check(expected.Body.AsSpan().SequenceEqual(actual.Body), "body, " + how);
        OracleViolation.Equal(expected.Trailers, actual.Trailers, "trailers, " + how);
    }

    private void RoundTrip(Outcome decoded, int[] chunkSizes)
    {
        _writer.ResetWrittenCount();
        var offset = 0;
        for (var i = 0; offset < decoded.Body.Length; i++)
        {
            var size = Math.Min(chunkSizes[i % chunkSizes.Length], decoded.Body.Length - offset);
            ChunkedEncoder.WriteChunk(_writer, decoded.Body.AsSpan(offset, size));
            offset += size;
        }

        ChunkedEncoder.WriteLastChunk(_writer, _decoder.Trailers.HeaderCount == 0 ? null : CopyTrailers());
        var encoded = _writer.WrittenSpan.ToArray();
        var again = Decode(encoded, [encoded.Length], segmentLengths: null);
        OracleViolation.Equal(ChunkedDecodeStatus.Complete, again.Status, $"re-encoded body ({again.Error})");
        OracleViolation.Equal(encoded.LongLength, again.Consumed, "re-encoded body consumed");
        OracleViolation.Check(decoded.Body.AsSpan().SequenceEqual(again.Body), "re-encoded body decoded differently");
        OracleViolation.Equal(decoded.Trailers, again.Trailers, "re-encoded trailers");
    }

    private Engine.Protocols.Http.HttpTrailers CopyTrailers()
    {
        var copy = new Engine.Protocols.Http.HttpTrailers();
        var trailers = _decoder.Trailers;
        for (var i = 0; i < trailers.HeaderCount; i++)
        {
            copy.AddHeader(trailers.NameOf(i), trailers.ValueOf(i), trailers.HeaderAt(i).Known);
        }

        return copy;
    }

    /// <summary>Feeds <paramref name="data"/> in reads of the given sizes (each read's buffer cut into segments when given).</summary>
    private Outcome Decode(byte[] data, int[] reads, int[]? segmentLengths)
    {
        _decoder.Reset();
        var body = new List<byte>();
        long consumedTotal = 0;
        var available = 0;
        var read = 0;
        while (true)
        {
            available = Math.Min(data.Length, available + (read < reads.Length ? reads[read] : data.Length));
            read++;
            var bytes = data[(int)consumedTotal..available];
            var buffer = segmentLengths is null ? new ReadOnlySequence<byte>(bytes) : Segments.Cut(bytes, segmentLengths);
            while (true)
            {
                var status = _decoder.Decode(buffer, out var chunk, out var consumed, out var error);
                consumedTotal += Segments.Offset(buffer, consumed);
                buffer = buffer.Slice(consumed);
                if (status == ChunkedDecodeStatus.Data)
                {
                    OracleViolation.Check(!chunk.IsEmpty, "Data status with no data");
                    body.AddRange(chunk.ToArray());
                    continue;
                }

                if (status == ChunkedDecodeStatus.NeedMoreData)
                {
                    OracleViolation.Check(chunk.IsEmpty && error == Http1Error.None, "NeedMoreData with data or an error");
                    break;
                }

                OracleViolation.Check((status == ChunkedDecodeStatus.Error) == (error != Http1Error.None), $"status {status} with error {error}");
                OracleViolation.Equal(status == ChunkedDecodeStatus.Complete, _decoder.IsComplete, "IsComplete");
                return new Outcome(status, error, [.. body], consumedTotal, status == ChunkedDecodeStatus.Complete ? HeadPicture.Of(_decoder.Trailers) : "");
            }

            if (available == data.Length)
            {
                OracleViolation.Equal(body.Count, (int)_decoder.BodyBytes, "BodyBytes");
                return new Outcome(ChunkedDecodeStatus.NeedMoreData, Http1Error.None, [.. body], consumedTotal, "");
            }
        }
    }
}
