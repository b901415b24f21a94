namespace Engine.Protocols.Hpack;

/// <summary>
/// HPACK Huffman coding (RFC 7541 §5.2, Appendix B). Decoding walks a 4-bit-at-a-time state
/// machine built once from the code table (the nghttp2 technique): two table look-ups per input
/// byte instead of one comparison per bit. The shortest code is 5 bits, so a nibble completes at
/// most one symbol.
/// </summary>
internal static class Huffman
{
    // Entry layout: bits 0-7 next state, bits 8-15 emitted symbol, flags above.
    private const uint Emit = 1u << 16;
    private const uint Fail = 1u << 17;

    // The 256 internal nodes of the code tree are the decoder's states; root is 0.
    private const int StateCount = 256;

    private static readonly uint[] Transitions = BuildTransitions(out Accepting);

    /// <summary>
    /// States in which the input may end: reached from the root by at most seven 1-bits. RFC 7541
    /// §5.2: padding longer than 7 bits, or not a prefix of EOS (all ones), MUST be a decoding error.
    /// </summary>
    private static readonly bool[] Accepting;

    /// <summary>Bytes <paramref name="source"/> takes Huffman-coded.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        var lengths = HuffmanCodes.Lengths;
        long bits = 0;
        foreach (var b in source)
        {
            bits += lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Encodes <paramref name="source"/> into <paramref name="destination"/> (at least
    /// <see cref="GetEncodedLength"/> bytes) and returns the bytes written. The last byte is padded
    /// with the most significant bits of EOS (ones), as RFC 7541 §5.2 requires.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var codes = HuffmanCodes.Codes;
        var lengths = HuffmanCodes.Lengths;
        ulong pending = 0;
        var pendingBits = 0;
        var written = 0;
        foreach (var b in source)
        {
            // At most 7 bits wait from before and a code is at most 30 bits: fits in 64.
            pending = (pending << lengths[b]) | codes[b];
            pendingBits += lengths[b];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                destination[written++] = (byte)(pending >> pendingBits);
            }
        }

        if (pendingBits > 0)
        {
            destination[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        }

        return written;
    }

    /// <summary>Largest decoded length of <paramref name="encodedLength"/> bytes (5-bit codes at best).</summary>
    public static int GetMaxDecodedLength(int encodedLength) => (int)(((long)encodedLength * 8) / 5);

    /// <summary>
    /// Decodes into <paramref name="destination"/> (at least <see cref="GetMaxDecodedLength"/> bytes).
    /// Returns the bytes written, or -1 when the input is not a valid Huffman string: an EOS symbol
    /// inside it, or padding that is too long or not all ones (RFC 7541 §5.2: decoding errors).
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var table = Transitions;
        var state = 0;
        var written = 0;
        foreach (var b in source)
        {
            var entry = table[(state << 4) | (b >> 4)];
            if ((entry & (Emit | Fail)) != 0)
            {
                if ((entry & Fail) != 0)
                {
                    return -1;
                }

                destination[written++] = (byte)(entry >> 8);
            }

            entry = table[((int)(entry & 0xFF) << 4) | (b & 0xF)];
            if ((entry & (Emit | Fail)) != 0)
            {
                if ((entry & Fail) != 0)
                {
                    return -1;
                }

                destination[written++] = (byte)(entry >> 8);
            }

            state = (int)(entry & 0xFF);
        }

        return Accepting[state] ? written : -1;
    }

    /// <summary>The decoded length of a Huffman string without writing it, or -1 when invalid (see <see cref="Decode"/>).</summary>
    public static int GetDecodedLength(ReadOnlySpan<byte> source)
    {
        var table = Transitions;
        var state = 0;
        var count = 0;
        foreach (var b in source)
        {
            var entry = table[(state << 4) | (b >> 4)];
            entry = Step(table, entry, b & 0xF, ref count);
            if (entry == Fail)
            {
                return -1;
            }

            state = (int)(entry & 0xFF);
        }

        return Accepting[state] ? count : -1;
    }

    private static uint Step(uint[] table, uint first, int lowNibble, ref int count)
    {
        if ((first & Fail) != 0)
        {
            return Fail;
        }

        count += (int)((first & Emit) >> 16);
        var second = table[((int)(first & 0xFF) << 4) | lowNibble];
        if ((second & Fail) != 0)
        {
            return Fail;
        }

        count += (int)((second & Emit) >> 16);
        return second;
    }

    private static uint[] BuildTransitions(out bool[] accepting)
    {
        // Tree as child arrays: values >= 0 are internal node ids, ~symbol for leaves.
        var zero = new int[StateCount];
        var one = new int[StateCount];
        var nodes = 1;
        var codes = HuffmanCodes.Codes;
        var lengths = HuffmanCodes.Lengths;
        for (var symbol = 0; symbol <= HuffmanCodes.EndOfString; symbol++)
        {
            var node = 0;
            for (var bit = lengths[symbol] - 1; bit >= 0; bit--)
            {
                var children = ((codes[symbol] >> bit) & 1) == 0 ? zero : one;
                if (bit == 0)
                {
                    children[node] = ~symbol;
                }
                else
                {
                    if (children[node] == 0)
                    {
                        children[node] = nodes++;
                    }

                    node = children[node];
                }
            }
        }

        accepting = new bool[StateCount];
        accepting[0] = true;
        for (int depth = 1, node = 0; depth <= 7; depth++)
        {
            node = one[node];
            accepting[node] = true;
        }

        var table = new uint[StateCount * 16];
        for (var state = 0; state < StateCount; state++)
        {
            for (var nibble = 0; nibble < 16; nibble++)
            {
                var node = state;
                uint entry = 0;
                for (var bit = 3; bit >= 0; bit--)
                {
                    var next = (((nibble >> bit) & 1) == 0 ? zero : one)[node];
                    if (next >= 0)
                    {
                        node = next;
                        continue;
                    }

                    var symbol = ~next;
                    if (symbol == HuffmanCodes.EndOfString)
                    {
                        // RFC 7541 §5.2: an EOS symbol in the string MUST be a decoding error.
                        entry |= Fail;
                        break;
                    }

                    entry |= Emit | ((uint)symbol << 8);
                    node = 0;
                }

                table[(state << 4) | nibble] = entry | (uint)node;
            }
        }

        return table;
    }
}
