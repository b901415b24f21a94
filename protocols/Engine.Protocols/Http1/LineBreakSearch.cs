using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Protocols.Http1;

/// <summary>
/// Finds the CRs and LFs of one span in order, 64 bytes at a time, remembering the compares' bit
/// mask between calls.
/// </summary>
/// <remarks>
/// A head's lines are 20–40 bytes, so one 64-byte mask holds the ends of two or three lines.
/// <c>IndexOfAny(CR, LF)</c> per line paid its set-up every time: ~50 instructions a line, eleven
/// lines an HTTP/1.1 request and its response (callgrind).
/// </remarks>
internal ref struct LineBreakSearch
{
    private readonly ReadOnlySpan<byte> _span;

    /// <summary>Bytes per compare: 64 (four 16-byte compares, one 64-bit mask), 16 for a span shorter than that.</summary>
    private readonly int _width;

    /// <summary>Where the remembered compare started; bit k of <see cref="_mask"/> is byte _blockStart + k.</summary>
    private int _blockStart;
    private ulong _mask;

    public LineBreakSearch(ReadOnlySpan<byte> span)
    {
        _span = span;
        _width = span.Length >= 64 ? 64 : 16;
        _blockStart = -_width; // nothing remembered: any offset ≥ 0 is past it
        _mask = 0;
    }

    /// <summary>The offset of the first CR or LF at or after <paramref name="from"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int from)
    {
        var offset = from - _blockStart;
        if ((uint)offset < (uint)_width)
        {
            var rest = _mask >> offset;
            if (rest != 0)
            {
                return from + BitOperations.TrailingZeroCount(rest);
            }
        }

        return NextBlock(from);
    }

    private int NextBlock(int from)
    {
        if (_span.Length < 16)
        {
            return ScalarFrom(from);
        }

        // Blocks start where the remembered one ended (or at from, if later; a from before the
        // remembered block is searched afresh); the last block is the span's final bytes,
        // overlapping the one before: no scalar tail.
        if (from >= _blockStart)
        {
            from = Math.Max(from, _blockStart + _width);
        }

        while (from < _span.Length)
        {
            var start = Math.Min(from, _span.Length - _width);
            ref var first = ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), start);
            _mask = _width == 64
                ? Breaks(ref first) | (Breaks(ref Unsafe.Add(ref first, 16)) << 16) | (Breaks(ref Unsafe.Add(ref first, 32)) << 32) | (Breaks(ref Unsafe.Add(ref first, 48)) << 48)
                : Breaks(ref first);
            _blockStart = start;
            var rest = _mask >> (from - start);
            if (rest != 0)
            {
                return from + BitOperations.TrailingZeroCount(rest);
            }

            from = start + _width;
        }

        return -1;
    }

    /// <summary>Bit k set where byte k of the 16 at <paramref name="at"/> is CR or LF.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Breaks(ref byte at)
    {
        var block = Vector128.LoadUnsafe(ref at);
        return (Vector128.Equals(block, Vector128.Create(Http1Chars.CR)) | Vector128.Equals(block, Vector128.Create(Http1Chars.LF))).ExtractMostSignificantBits();
    }

    private readonly int ScalarFrom(int from)
    {
        for (var i = from; i < _span.Length; i++)
        {
            if (_span[i] is Http1Chars.CR or Http1Chars.LF)
            {
                return i;
            }
        }

        return -1;
    }
}
