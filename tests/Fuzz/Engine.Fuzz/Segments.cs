using System.Buffers;

namespace Engine.Fuzz;

/// <summary>Buffers as a pipe would hand them over: whole, or cut into segments at given lengths.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data)
        => data.Length <= 1 ? new ReadOnlySequence<byte>(data) : Cut(data, Enumerable.Repeat(1, data.Length).ToArray());

    /// <summary>Segments of the given lengths (the last one takes the rest).</summary>
    public static ReadOnlySequence<byte> Cut(byte[] data, int[] lengths) => Cut(data.AsMemory(), lengths);

    /// <summary>Segments of the given lengths over <paramref name="data"/> without copying it (the last one takes the rest).</summary>
    public static ReadOnlySequence<byte> Cut(ReadOnlyMemory<byte> data, int[] lengths)
    {
        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        for (var i = 0; offset < data.Length; i++)
        {
            var length = i < lengths.Length - 1 ? Math.Min(lengths[i], data.Length - offset) : data.Length - offset;
            var memory = data.Slice(offset, length);
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
            offset += length;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>Read sizes that depend only on the input, so a finding replays exactly.</summary>
    public static int[] ReadSizes(ReadOnlySpan<byte> input, int maxRead)
    {
        var state = (uint)input.Length * 2654435761u;
        foreach (var b in input)
        {
            state = (state ^ b) * 16777619u;
        }

        var sizes = new List<int>();
        for (var total = 0; total < input.Length;)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var size = 1 + (int)(state % (uint)maxRead);
            sizes.Add(size);
            total += size;
        }

        return [.. sizes];
    }

    public static long Offset(in ReadOnlySequence<byte> data, SequencePosition position) => data.Slice(data.Start, position).Length;

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
