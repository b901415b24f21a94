using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Protocols.Hpack;

/// <summary>
/// HPACK decoder (RFC 7541) for one direction of one connection. It decodes a complete field block
/// (the fragments of HEADERS + CONTINUATION joined, see <see cref="Http2HeaderBlockAssembler"/>)
/// straight into an <see cref="HttpHead"/> arena: literal strings are Huffman-decoded in place,
/// table entries copied once. Two outcomes matter to the session:
/// <list type="bullet">
/// <item>A COMPRESSION_ERROR reason (<c>Hpack*</c>): the block cannot be decoded and the dynamic
/// table is out of step with the peer — a connection error (RFC 9113 §4.3).</item>
/// <item>A stream-scoped reason (the sink's malformed-message verdict, or the decoded size/count
/// limits): the block was still decoded to its end so the table stays in step, but past the limit
/// nothing more was written to the head. That bounds memory whatever the block references — the
/// HPACK-bomb defence (robustness.md §2.3).</item>
/// </list>
/// </summary>
public sealed class HpackDecoder
{
    /// <summary>RFC 7541 §4.2 lets an encoder signal at most two updates (the smallest and the final size) per block.</summary>
    private const int MaxSizeUpdatesPerBlock = 2;

    private readonly HpackDynamicTable _table;

    /// <summary>Where strings go once the head is over its limits but the dynamic table still needs them.</summary>
    private readonly byte[] _scratch;

    private int _settingsMaxSize;
    private bool _sizeUpdateRequired;

    /// <param name="maxTableSize">Our SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2); also the most it may ever be raised to.</param>
    public HpackDecoder(int maxTableSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _table = new HpackDynamicTable(maxTableSize);
        _scratch = new byte[maxTableSize * 2];
        _settingsMaxSize = maxTableSize;
    }

    /// <summary>Size of the dynamic table now (RFC 7541 §4.1).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>Maximum size of the dynamic table as last set by the peer's size update.</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    internal HpackDynamicTable Table => _table;

    /// <summary>
    /// Applies a new SETTINGS_HEADER_TABLE_SIZE of ours once the peer acknowledged it. When it is
    /// below the table's current maximum, the peer's next block MUST start with a size update
    /// (RFC 7541 §4.2), and the table shrinks now.
    /// </summary>
    public void SetMaxTableSize(int maxTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTableSize, _table.Capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _settingsMaxSize = maxTableSize;
        if (maxTableSize < _table.MaxSize)
        {
            _sizeUpdateRequired = true;
            _table.SetMaxSize(maxTableSize);
        }
    }

    /// <summary>Back to the state of a new connection (for pooling).</summary>
    public void Reset()
    {
        _table.Clear();
        _settingsMaxSize = _table.Capacity;
        _sizeUpdateRequired = false;
    }

    /// <summary>
    /// Decodes a whole field block into <paramref name="head"/> (which the caller has reset),
    /// handing each field to <paramref name="sink"/>. <paramref name="maxListBytes"/> bounds the sum
    /// of decoded name and value lengths and <paramref name="maxFieldCount"/> the number of fields
    /// (pseudo-header fields and every cookie crumb count); past either, the result is
    /// <see cref="Http2Error.HeaderListTooLarge"/> / <see cref="Http2Error.TooManyHeaders"/>.
    /// </summary>
    internal Http2Error Decode<TSink>(ReadOnlySpan<byte> block, HttpHead head, ref TSink sink, int maxListBytes, int maxFieldCount)
        where TSink : struct, IHpackSink
    {
        var state = new BlockState(maxListBytes, maxFieldCount);
        var position = 0;
        var sizeUpdates = 0;
        var fieldSeen = false;
        while (position < block.Length)
        {
            var first = block[position];
            Http2Error error;
            if ((first & 0xE0) == 0x20)
            {
                // §6.3 dynamic table size update; §4.2: only at the start of a block.
                if (fieldSeen)
                {
                    return Http2Error.HpackSizeUpdateNotFirst;
                }

                if (++sizeUpdates > MaxSizeUpdatesPerBlock)
                {
                    return Http2Error.HpackTooManySizeUpdates;
                }

                error = HpackInteger.TryDecode(block, ref position, 5, out var size);
                if (error != Http2Error.None)
                {
                    return error;
                }

                // §6.3: above the protocol's limit (our SETTINGS value) MUST be a decoding error.
                if (size > _settingsMaxSize)
                {
                    return Http2Error.HpackSizeUpdateTooLarge;
                }

                _table.SetMaxSize(size);
                _sizeUpdateRequired = false;
                continue;
            }

            if (_sizeUpdateRequired)
            {
                return Http2Error.HpackMissingSizeUpdate;
            }

            fieldSeen = true;
            if ((first & 0x80) != 0)
            {
                error = DecodeIndexed(block, ref position, head, ref sink, ref state);
            }
            else if ((first & 0xC0) == 0x40)
            {
                // §6.2.1 literal with incremental indexing.
                error = DecodeLiteral(block, ref position, 6, addToTable: true, neverIndexed: false, head, ref sink, ref state);
            }
            else
            {
                // §6.2.2 without indexing (0000), §6.2.3 never indexed (0001).
                error = DecodeLiteral(block, ref position, 4, addToTable: false, neverIndexed: (first & 0x10) != 0, head, ref sink, ref state);
            }

            if (error != Http2Error.None)
            {
                return error;
            }
        }

        return state.StreamError;
    }

    /// <summary>§6.1: a whole field from the static or dynamic table.</summary>
    private Http2Error DecodeIndexed<TSink>(ReadOnlySpan<byte> block, ref int position, HttpHead head, ref TSink sink, ref BlockState state)
        where TSink : struct, IHpackSink
    {
        var error = HpackInteger.TryDecode(block, ref position, 7, out var index);
        if (error != Http2Error.None)
        {
            return error;
        }

        if (!TryGetEntry(index, out var name, out var value))
        {
            return Http2Error.HpackInvalidIndex;
        }

        // Sizes are known before anything is copied, so a block of one-byte references to a large
        // entry (the HPACK bomb) stops here instead of filling the arena.
        if (state.Admit(name.Length + value.Length))
        {
            state.Deliver(ref sink, name, default, head.Append(value), neverIndexed: false);
        }

        return Http2Error.None;
    }

    /// <summary>§6.2: a literal value with an indexed or literal name.</summary>
    private Http2Error DecodeLiteral<TSink>(
        ReadOnlySpan<byte> block,
        ref int position,
        int prefixBits,
        bool addToTable,
        bool neverIndexed,
        HttpHead head,
        ref TSink sink,
        ref BlockState state)
        where TSink : struct, IHpackSink
    {
        var error = HpackInteger.TryDecode(block, ref position, prefixBits, out var nameIndex);
        if (error != Http2Error.None)
        {
            return error;
        }

        var tableName = ReadOnlySpan<byte>.Empty;
        StringRef literalName = default;
        if (nameIndex != 0)
        {
            if (!TryGetEntry(nameIndex, out tableName, out _))
            {
                return Http2Error.HpackInvalidIndex;
            }
        }
        else if ((error = ReadString(block, ref position, out literalName)) != Http2Error.None)
        {
            return error;
        }

        if ((error = ReadString(block, ref position, out var literalValue)) != Http2Error.None)
        {
            return error;
        }

        if (state.StreamError != Http2Error.None)
        {
            return addToTable ? AddDiscarded(block, tableName, literalName, literalValue, nameIndex != 0) : Validate(block, literalName, literalValue);
        }

        // Literal strings go straight into the arena: their decoded size is bounded by the block's
        // own bytes. A name from a table is copied only once the field is within the limits.
        var valueRange = default(ByteRange);
        var nameRange = default(ByteRange);
        if ((error = DecodeInto(block, literalValue, head, ref valueRange)) != Http2Error.None
            || (nameIndex == 0 && (error = DecodeInto(block, literalName, head, ref nameRange)) != Http2Error.None))
        {
            return error;
        }

        var name = nameIndex != 0 ? tableName : head.Span(nameRange);
        if (state.Admit(name.Length + valueRange.Length))
        {
            // Before the table changes: a name from the dynamic table may be the entry evicted next.
            state.Deliver(ref sink, name, nameRange, valueRange, neverIndexed);
        }

        if (addToTable)
        {
            _table.Add(nameIndex != 0 ? tableName : head.Span(nameRange), head.Span(valueRange));
        }

        return Http2Error.None;
    }

    /// <summary>Past a limit: the field is not delivered, but the dynamic table still gets it.</summary>
    private Http2Error AddDiscarded(ReadOnlySpan<byte> block, ReadOnlySpan<byte> tableName, StringRef literalName, StringRef literalValue, bool indexedName)
    {
        var used = 0;
        var name = tableName;
        if (!indexedName && !TryDecodeToScratch(block, literalName, ref used, out name))
        {
            return EntryTooLargeOrInvalid(block, literalName, literalValue);
        }

        if (!TryDecodeToScratch(block, literalValue, ref used, out var value))
        {
            return EntryTooLargeOrInvalid(block, literalName, literalValue);
        }

        _table.Add(name, value);
        return Http2Error.None;
    }

    /// <summary>The strings did not fit the scratch (twice the table's capacity): the entry empties the table (§4.4).</summary>
    private Http2Error EntryTooLargeOrInvalid(ReadOnlySpan<byte> block, StringRef literalName, StringRef literalValue)
    {
        var error = Validate(block, literalName, literalValue);
        if (error == Http2Error.None)
        {
            _table.EvictAll();
        }

        return error;
    }

    private static Http2Error Validate(ReadOnlySpan<byte> block, StringRef name, StringRef value)
    {
        if ((name.Huffman && Huffman.GetDecodedLength(block.Slice(name.Start, name.Length)) < 0)
            || (value.Huffman && Huffman.GetDecodedLength(block.Slice(value.Start, value.Length)) < 0))
        {
            return Http2Error.HpackInvalidHuffman;
        }

        return Http2Error.None;
    }

    private bool TryDecodeToScratch(ReadOnlySpan<byte> block, StringRef literal, scoped ref int used, out ReadOnlySpan<byte> decoded)
    {
        var source = block.Slice(literal.Start, literal.Length);
        if (!literal.Huffman)
        {
            decoded = source;
            return true;
        }

        decoded = default;
        var length = Huffman.GetDecodedLength(source);
        if (length < 0 || length > _scratch.Length - used)
        {
            return false;
        }

        Huffman.Decode(source, _scratch.AsSpan(used));
        decoded = _scratch.AsSpan(used, length);
        used += length;
        return true;
    }

    private static Http2Error DecodeInto(ReadOnlySpan<byte> block, StringRef literal, HttpHead head, ref ByteRange range)
    {
        var source = block.Slice(literal.Start, literal.Length);
        if (!literal.Huffman)
        {
            range = head.Append(source);
            return Http2Error.None;
        }

        var written = Huffman.Decode(source, head.GetAppendSpan(Huffman.GetMaxDecodedLength(source.Length)));
        if (written < 0)
        {
            return Http2Error.HpackInvalidHuffman;
        }

        range = head.CommitAppend(written);
        return Http2Error.None;
    }

    /// <summary>§5.2 string literal: H bit, 7-bit-prefix length, then the octets, which must all be in the block.</summary>
    private static Http2Error ReadString(ReadOnlySpan<byte> block, ref int position, out StringRef literal)
    {
        literal = default;
        if (position >= block.Length)
        {
            return Http2Error.HpackTruncated;
        }

        var huffman = (block[position] & 0x80) != 0;
        var error = HpackInteger.TryDecode(block, ref position, 7, out var length);
        if (error != Http2Error.None)
        {
            return error;
        }

        if (length > block.Length - position)
        {
            return Http2Error.HpackTruncated;
        }

        literal = new StringRef(position, length, huffman);
        position += length;
        return Http2Error.None;
    }

    /// <summary>§2.3.3: 1–61 static, 62 onwards dynamic (newest first); 0 and beyond the end are errors.</summary>
    private bool TryGetEntry(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (index >= 1 && index <= HpackStaticTable.Count)
        {
            HpackStaticTable.GetEntry(index, out name, out value);
            return true;
        }

        var position = index - HpackStaticTable.Count - 1;
        if (index > HpackStaticTable.Count && position < _table.Count)
        {
            _table.GetEntry(position, out name, out value);
            return true;
        }

        name = value = default;
        return false;
    }

    private readonly record struct StringRef(int Start, int Length, bool Huffman);

    /// <summary>What one block has delivered so far against the limits, and the first stream-level verdict.</summary>
    private struct BlockState(int maxListBytes, int maxFieldCount)
    {
        private long _listBytes;
        private int _fieldCount;

        public Http2Error StreamError { get; private set; }

        /// <summary>Counts a field; false once the block is over a limit or already refused.</summary>
        public bool Admit(int length)
        {
            _listBytes += length;
            if (StreamError != Http2Error.None)
            {
                return false;
            }

            if (++_fieldCount > maxFieldCount)
            {
                StreamError = Http2Error.TooManyHeaders;
                return false;
            }

            if (_listBytes > maxListBytes)
            {
                StreamError = Http2Error.HeaderListTooLarge;
                return false;
            }

            return true;
        }

        public void Deliver<TSink>(ref TSink sink, ReadOnlySpan<byte> name, ByteRange nameInArena, ByteRange value, bool neverIndexed)
            where TSink : struct, IHpackSink
        {
            var error = sink.OnField(name, nameInArena, value, neverIndexed);
            if (error != Http2Error.None)
            {
                StreamError = error;
            }
        }
    }
}
