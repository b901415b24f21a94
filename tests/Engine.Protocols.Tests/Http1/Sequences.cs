using System.Buffers;
using System.Text;

namespace Engine.Protocols.Tests.Http1;

/// <summary>Builds the buffers the parsers see: whole, one byte per segment, or split at given points.</summary>
internal static class Sequences
{
    /// <summary>Test text to bytes, one byte per char, so "\u0080" is the byte 0x80 (C# "\x" escapes take up to 4 digits: avoid them).</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static ReadOnlySequence<byte> Whole(byte[] data) => new(data);

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var splits = new int[data.Length - 1];
        for (var i = 0; i < splits.Length; i++)
        {
            splits[i] = i + 1;
        }

        return Split(data, splits);
    }

    /// <summary>Segments [0,s0), [s0,s1), …, [sn,end); split points must be increasing.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] splits)
    {
        var first = new Segment(data.AsMemory(0, splits.Length == 0 ? data.Length : splits[0]), 0);
        var last = first;
        for (var i = 0; i < splits.Length; i++)
        {
            var end = i + 1 < splits.Length ? splits[i + 1] : data.Length;
            last = last.Append(data.AsMemory(splits[i], end - splits[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Bytes of <paramref name="data"/> from its start up to <paramref name="position"/>.</summary>
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
