using System.Runtime.CompilerServices;

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
}
