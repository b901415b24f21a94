using System.Buffers;

namespace Engine.Benchmarks.Support;

/// <summary>
/// Builds a multi-segment <see cref="ReadOnlySequence{T}"/>, the shape a pipe hands the parser
/// when a head straddles two pool blocks (or arrived in several reads).
/// </summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, int parts)
    {
        if (parts <= 1)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var size = (bytes.Length + parts - 1) / parts;
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var memory = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

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
