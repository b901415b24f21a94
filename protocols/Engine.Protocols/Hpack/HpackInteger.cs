using Engine.Protocols.Http2;

namespace Engine.Protocols.Hpack;

/// <summary>
/// HPACK prefixed integers (RFC 7541 §5.1). Decoding is bounded: values above
/// <see cref="int.MaxValue"/> and over-long encodings (a trailing zero continuation byte, which
/// only pads) are decoding errors, so a peer cannot make the decoder spin or overflow (RFC 7541
/// §5.1: "integer encodings that exceed implementation limits ... MUST be treated as decoding errors").
/// </summary>
internal static class HpackInteger
{
    /// <summary>A prefix plus five continuation bytes carry 35 bits: more than an int.</summary>
    public const int MaxEncodedLength = 6;

    /// <summary>
    /// Reads an integer whose first byte is <c>source[position]</c> with an N-bit prefix, and moves
    /// <paramref name="position"/> past it.
    /// </summary>
    public static Http2Error TryDecode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        var mask = (1 << prefixBits) - 1;
        value = source[position++] & mask;
        if (value < mask)
        {
            return Http2Error.None;
        }

        long result = mask;
        for (var shift = 0; shift <= 28; shift += 7)
        {
            if (position >= source.Length)
            {
                return Http2Error.HpackTruncated;
            }

            var b = source[position++];
            result += (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0)
                {
                    return Http2Error.HpackIntegerOverflow;
                }

                if (result > int.MaxValue)
                {
                    return Http2Error.HpackIntegerOverflow;
                }

                value = (int)result;
                return Http2Error.None;
            }
        }

        return Http2Error.HpackIntegerOverflow;
    }

    /// <summary>
    /// Writes <paramref name="value"/> with an N-bit prefix; the bits above the prefix in the first
    /// byte are <paramref name="pattern"/> (the representation's type bits). Returns the bytes written.
    /// </summary>
    public static int Encode(int value, int prefixBits, byte pattern, Span<byte> destination)
    {
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(pattern | value);
            return 1;
        }

        destination[0] = (byte)(pattern | mask);
        var rest = (uint)(value - mask);
        var written = 1;
        while (rest >= 0x80)
        {
            destination[written++] = (byte)(rest | 0x80);
            rest >>= 7;
        }

        destination[written++] = (byte)rest;
        return written;
    }

    /// <summary>Bytes <see cref="Encode"/> writes for this value and prefix.</summary>
    public static int GetEncodedLength(int value, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            return 1;
        }

        var rest = (uint)(value - mask);
        var length = 2;
        while (rest >= 0x80)
        {
            rest >>= 7;
            length++;
        }

        return length;
    }
}
