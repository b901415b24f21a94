using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Proxy;

/// <summary>
/// UUID v4 request ids written straight into a byte span. Envoy generates one per request that
/// arrives without <c>x-request-id</c>; ids only need to be unique, not secret, so they come from
/// the fast shared generator rather than the crypto one behind <see cref="Guid.NewGuid"/>.
/// </summary>
internal static class RequestIds
{
    public const int Length = 36;

    /// <summary>
    /// Writes 8-4-4-4-12 lowercase hex digits. The digits are the random bits themselves, eight to a
    /// register (SWAR): the nibbles of a random ulong taken low and high are 16 random digits, and
    /// which bit lands in which digit does not matter for random bits. Guid.TryFormat in the native
    /// binary (baseline instruction set, no SSSE3) runs a software byte shuffle, ~1,300 instructions
    /// per id; a table look-up per byte was ~250; this is ~100 (callgrind).
    /// </summary>
    public static void NewUuid(Span<byte> destination36)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination36.Length, Length);
        // NextInt64 gives 63 random bits (it is never negative): each draw's zero bit is moved to a
        // digit that the version or the variant overwrites, so the id keeps RFC 9562's 122 random bits.
        // (Taken as they came, the top bit of each draw left two digits that were never above 7.)
        var high = BitOperations.RotateLeft((ulong)Random.Shared.NextInt64(), 40); // bit 63 to 39: the version digit
        var low = (ulong)Random.Shared.NextInt64() << 1;                          // bit 0: the variant digit
        ref var output = ref MemoryMarshal.GetReference(destination36);
        var first = HexDigits(high & LowNibbles);
        var second = HexDigits((high >> 4) & LowNibbles);
        var third = HexDigits(low & LowNibbles);

        Unsafe.WriteUnaligned(ref output, first);                                      // 0-7
        Unsafe.Add(ref output, 8) = (byte)'-';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, 9), (uint)second);            // 9-12
        Unsafe.Add(ref output, 13) = (byte)'-';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, 14), (uint)(second >> 32));   // 14-17
        Unsafe.Add(ref output, 18) = (byte)'-';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, 19), (uint)third);            // 19-22
        Unsafe.Add(ref output, 23) = (byte)'-';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, 24), (uint)(third >> 32));    // 24-27
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, 28), HexDigits((low >> 4) & LowNibbles)); // 28-35

        // RFC 9562 §5.4: version 4, and the variant's 10xx in the first digit of the fourth group.
        Unsafe.Add(ref output, 14) = (byte)'4';
        Unsafe.Add(ref output, 19) = (byte)"89ab"u8[(int)((low >> 1) & 3)];
    }

    private const ulong LowNibbles = 0x0F0F_0F0F_0F0F_0F0FUL;

    /// <summary>Eight nibbles, one per byte, as the lowercase hex digits '0'–'9' and 'a'–'f' (no carry crosses a byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HexDigits(ulong nibbles)
    {
        var letters = ((nibbles + 0x0606_0606_0606_0606UL) >> 4) & 0x0101_0101_0101_0101UL; // 1 where the nibble is 10-15
        return nibbles + 0x3030_3030_3030_3030UL + (letters * ('a' - '0' - 10));
    }
}
