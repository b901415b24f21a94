using System.Buffers;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

/// <summary>
/// Feeds a <see cref="ChunkedDecoder"/> the way a pipe would: bytes arrive in reads, the decoder's
/// unconsumed bytes stay at the front of the next buffer, data slices are "forwarded" as they come.
/// </summary>
internal static class ChunkedDecodeDriver
{
    public sealed record Outcome(ChunkedDecodeStatus Status, Http1Error Error, byte[] Body, long Consumed, ChunkedDecoder Decoder);

    /// <summary>Every way of feeding the same input: all at once, a byte per segment, a byte per read, and two reads split at every position.</summary>
    public static IEnumerable<(string Name, Outcome Outcome)> AllWays(byte[] input)
    {
        yield return ("whole", Run(input, [input.Length], oneBytePerSegment: false));
        yield return ("one byte per segment", Run(input, [input.Length], oneBytePerSegment: true));
        yield return ("one byte per read", Run(input, Enumerable.Repeat(1, input.Length).ToArray(), oneBytePerSegment: false));
        for (var split = 1; split < input.Length; split++)
        {
            yield return ($"split at {split}", Run(input, [split, input.Length - split], oneBytePerSegment: false));
        }
    }

    public static Outcome Run(byte[] input, int[] reads, bool oneBytePerSegment, ChunkedDecoder? decoder = null)
    {
        decoder ??= new ChunkedDecoder();
        decoder.Reset();
        var body = new List<byte>();
        var available = 0;
        var consumedTotal = 0L;
        var read = 0;
        while (true)
        {
            if (read < reads.Length)
            {
                available += reads[read++];
            }

            var bytes = input[(int)consumedTotal..available];
            var buffer = oneBytePerSegment ? Sequences.OneBytePerSegment(bytes) : Sequences.Whole(bytes);
            while (true)
            {
                var status = decoder.Decode(buffer, out var data, out var consumed, out var error);
                consumedTotal += Sequences.Offset(buffer, consumed);
                buffer = buffer.Slice(consumed);
                switch (status)
                {
                    case ChunkedDecodeStatus.Data:
                        Assert.False(data.IsEmpty);
                        body.AddRange(data.ToArray());
                        continue;
                    case ChunkedDecodeStatus.NeedMoreData:
                        Assert.True(data.IsEmpty);
                        break;
                    default:
                        return new Outcome(status, error, body.ToArray(), consumedTotal, decoder);
                }

                break;
            }

            if (read == reads.Length)
            {
                return new Outcome(ChunkedDecodeStatus.NeedMoreData, Http1Error.None, body.ToArray(), consumedTotal, decoder);
            }
        }
    }
}
