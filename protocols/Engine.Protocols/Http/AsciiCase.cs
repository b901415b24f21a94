using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Protocols.Http;

/// <summary>
/// Compares a field name (or token) from the wire with a lowercase literal, ASCII case ignored.
/// </summary>
/// <remarks>
/// Header lookups compare one name with several literals of the same length, and nearly every
/// comparison fails at the first byte. <see cref="System.Text.Ascii.EqualsIgnoreCase(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
/// serves any input (either side any case, vectorised for long spans) and costs about 70
/// instructions per call, match or not; callgrind counted 33 such calls per proxied h2c request
/// (5% of the engine's user-space instructions). This loop stops at the first differing byte.
/// </remarks>
public static class AsciiCase
{
    /// <summary>
    /// True when <paramref name="value"/> equals <paramref name="lowerCase"/> with A–Z in
    /// <paramref name="value"/> taken as a–z. <paramref name="lowerCase"/> must hold no A–Z (a literal
    /// or a name already lowered); every other byte must match exactly (a byte above 0x7F equals itself,
    /// where the BCL's comparison calls it unequal to everything).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsLower(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerCase)
    {
        if (value.Length != lowerCase.Length)
        {
            return false;
        }

        if (value.Length >= sizeof(ulong))
        {
            return EqualsLowerLong(value, lowerCase);
        }

        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            if (b != lowerCase[i] && ((uint)(b - 'A') > 'Z' - 'A' || (b | 0x20) != lowerCase[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Eight bytes at a time (the last word overlapping the one before); lengths of 8 and more.</summary>
    private static bool EqualsLowerLong(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerCase)
    {
        ref var v = ref MemoryMarshal.GetReference(value);
        ref var l = ref MemoryMarshal.GetReference(lowerCase);
        var last = value.Length - sizeof(ulong);
        for (var i = 0; i < last; i += sizeof(ulong))
        {
            if (!EqualsLower8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref v, i)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, i))))
            {
                return false;
            }
        }

        return EqualsLower8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref v, last)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, last)));
    }

    /// <summary>
    /// Where the literal has a–z, the value's byte may have its 0x20 bit clear (A–Z: no other byte
    /// ORed with 0x20 gives a letter); everywhere else the bytes must be equal. The letter test runs
    /// on the literal's low seven bits, so no carry crosses a byte, and drops bytes above 0x7F.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EqualsLower8(ulong value, ulong lowerCase)
    {
        const ulong Low7 = 0x7F7F7F7F7F7F7F7FUL;
        const ulong High = 0x8080808080808080UL;
        var low = lowerCase & Low7;
        var atLeastA = low + (0x80 - 'a') * 0x0101010101010101UL;       // bit 7 set where byte >= 'a'
        var aboveZ = low + (0x80 - ('z' + 1)) * 0x0101010101010101UL;   // bit 7 set where byte > 'z'
        var letters = atLeastA & ~aboveZ & ~lowerCase & High;
        return (value | (letters >> 2)) == lowerCase;
    }
}
