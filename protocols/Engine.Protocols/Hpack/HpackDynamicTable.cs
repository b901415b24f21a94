using Engine.Protocols.Http;

namespace Engine.Protocols.Hpack;

/// <summary>
/// An HPACK dynamic table (RFC 7541 §2.3.2, §4): entries newest first, evicted oldest first,
/// sized as name + value + 32 octets each (§4.1). Entry bytes live in one buffer of twice the
/// largest allowed size, appended until full and then compacted, so lookups hand out contiguous
/// spans and steady-state inserts allocate nothing. Used by the decoder and the encoder alike.
/// </summary>
internal sealed class HpackDynamicTable
{
    /// <summary>RFC 7541 §4.1: every entry costs 32 octets beyond its name and value.</summary>
    public const int EntryOverhead = 32;

    private const int KnownHeaderSlots = (int)KnownHeader.Date + 1;

    private readonly byte[] _bytes;
    private readonly byte[] _nameScratch;
    private readonly Entry[] _entries;

    /// <summary>
    /// Per known header, the insertion number of its newest entry (0: none since the last clear).
    /// The encoder indexes the same few fields (server, date, content-type…) on every message, and
    /// this finds them without walking entries that a changing field such as date piles up.
    /// </summary>
    private readonly int[] _newestOfKnown = new int[KnownHeaderSlots];
    /// <summary>
    /// Per hash of a name (its length, first and last byte), the insertion number of the newest
    /// entry with a name of that hash: fields the parser does not identify (pseudo-header fields,
    /// user-agent, a service's own headers) are found without a walk when their newest entry holds
    /// the value; a collision only means a walk. Four walks were ~1,100 instructions of a request
    /// to an HTTP/2 upstream (callgrind).
    /// </summary>
    private readonly int[] _newestOfName = new int[NameSlots];

    /// <summary>Per static-table name (its index, RFC 7541 Appendix A), the insertion number of the newest entry with that name: :authority, :path, user-agent… found by index, without comparing names.</summary>
    private readonly int[] _newestOfStaticName = new int[HpackStaticTable.Count + 1];
    private const int NameSlots = 64;
    private int _inserted; // insertion numbers so far: the entry numbered n sits at position _inserted - n
    private long _changes;
    private int _newest = -1;
    private int _count;
    private int _writePosition;

    /// <param name="capacity">The largest size this table may ever be set to (the SETTINGS value).</param>
    public HpackDynamicTable(int capacity)
    {
        Capacity = capacity;
        MaxSize = capacity;
        _bytes = new byte[capacity * 2];
        _nameScratch = new byte[capacity];
        _entries = new Entry[(capacity / EntryOverhead) + 1];
    }

    /// <summary>Upper bound of <see cref="MaxSize"/>, fixed at construction.</summary>
    public int Capacity { get; }

    /// <summary>Current maximum size, set by dynamic table size updates (RFC 7541 §4.2).</summary>
    public int MaxSize { get; private set; }

    /// <summary>Current size: the sum of entry sizes (RFC 7541 §4.1).</summary>
    public int Size { get; private set; }

    public int Count => _count;

    /// <summary>
    /// Counts every change of the table: an insert, an eviction, a new maximum size, a clear. Equal
    /// values mean the same entries under the same maximum, so a block that only references entries
    /// decodes the same at both (<see cref="Http2.HeadBlockMemo{THead}"/>). 64 bits: it never wraps.
    /// </summary>
    public long Changes => _changes;

    /// <summary>Changes the maximum size, evicting oldest entries until the table fits (RFC 7541 §4.3).</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, Capacity);
        MaxSize = maxSize;
        _changes++;
        EvictUntil(maxSize);
    }

    /// <summary>Name of the entry at a 0-based position, newest first.</summary>
    public ReadOnlySpan<byte> NameAt(int position)
    {
        ref readonly var entry = ref EntryAt(position);
        return new ReadOnlySpan<byte>(_bytes, entry.Offset, entry.NameLength);
    }

    /// <summary>Value of the entry at a 0-based position, newest first.</summary>
    public ReadOnlySpan<byte> ValueAt(int position)
    {
        ref readonly var entry = ref EntryAt(position);
        return new ReadOnlySpan<byte>(_bytes, entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>Name and value of the entry at a 0-based position, newest first, in one look-up.</summary>
    public void GetEntry(int position, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        ref readonly var entry = ref EntryAt(position);
        name = new ReadOnlySpan<byte>(_bytes, entry.Offset, entry.NameLength);
        value = new ReadOnlySpan<byte>(_bytes, entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>
    /// The encoder's look-up: position of the newest entry with this name (ASCII case ignored; entry
    /// names are lowercase) and value, or -1; <paramref name="namePosition"/> is the newest entry with
    /// the name alone, or -1. Entries are filtered by their lengths before any byte is compared.
    /// </summary>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out int namePosition)
        => Find(name, value, KnownHeader.None, out namePosition);

    /// <summary>
    /// <see cref="Find(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out int)"/> for a field identified as
    /// <paramref name="known"/>: its newest entry is tried first (one compare), and the walk runs
    /// only when that entry is gone or holds another value.
    /// </summary>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, KnownHeader known, out int namePosition)
        => Find(name, value, known, staticName: 0, out namePosition);

    /// <summary>
    /// <see cref="Find(ReadOnlySpan{byte}, ReadOnlySpan{byte}, KnownHeader, out int)"/> for a name the
    /// static table has at <paramref name="staticName"/> (0: none): its newest entry is tried by that index.
    /// </summary>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, KnownHeader known, int staticName, out int namePosition)
    {
        var newest = FindNewestOfKnown(known, value);
        if (newest >= 0)
        {
            System.Diagnostics.Debug.Assert(AsciiCase.EqualsLower(name, NameAt(newest)), "a known header's insertion number points at another name");
            namePosition = newest;
            return newest;
        }

        var named = (uint)staticName <= HpackStaticTable.Count && staticName != 0 ? NewestAt(_newestOfStaticName[staticName]) : NewestNamed(name);
        if (named >= 0 && ValueAt(named).SequenceEqual(value))
        {
            namePosition = named;
            return named;
        }

        namePosition = -1;
        var slot = _newest;
        for (var position = 0; position < _count; position++)
        {
            ref readonly var entry = ref _entries[slot];
            slot = slot == 0 ? _entries.Length - 1 : slot - 1;
            if (entry.NameLength != name.Length
                || !AsciiCase.EqualsLower(name, new ReadOnlySpan<byte>(_bytes, entry.Offset, entry.NameLength)))
            {
                continue;
            }

            if (entry.ValueLength == value.Length && new ReadOnlySpan<byte>(_bytes, entry.Offset + entry.NameLength, entry.ValueLength).SequenceEqual(value))
            {
                return position;
            }

            if (namePosition < 0)
            {
                namePosition = position;
            }
        }

        return -1;
    }

    /// <summary>
    /// Position of the newest entry of the header the parser identified as <paramref name="known"/>
    /// when it holds <paramref name="value"/>, else -1 (older entries are not looked at).
    /// </summary>
    public int FindNewestOfKnown(KnownHeader known, ReadOnlySpan<byte> value)
    {
        if (known != KnownHeader.None && (uint)known < KnownHeaderSlots && _newestOfKnown[(int)known] is var number and not 0)
        {
            var newest = unchecked(_inserted - number);
            if ((uint)newest < (uint)_count && ValueAt(newest).SequenceEqual(value))
            {
                return newest;
            }
        }

        return -1;
    }

    /// <summary>
    /// Position of the newest entry named <paramref name="name"/> (ASCII case ignored), or -1: the
    /// encoder's look-up for a field whose value it will not index but whose name it can reference.
    /// A field identified as <paramref name="known"/> is found by its insertion number, without a walk.
    /// </summary>
    public int FindName(ReadOnlySpan<byte> name, KnownHeader known)
    {
        // (Callers have no static index for the name: they reference that one instead.)
        if (known != KnownHeader.None && (uint)known < KnownHeaderSlots && _newestOfKnown[(int)known] is var number and not 0)
        {
            var newest = unchecked(_inserted - number);
            if ((uint)newest < (uint)_count)
            {
                System.Diagnostics.Debug.Assert(AsciiCase.EqualsLower(name, NameAt(newest)), "a known header's insertion number points at another name");
                return newest;
            }
        }

        var named = NewestNamed(name);
        if (named >= 0)
        {
            return named;
        }

        var slot = _newest;
        for (var position = 0; position < _count; position++)
        {
            ref readonly var entry = ref _entries[slot];
            slot = slot == 0 ? _entries.Length - 1 : slot - 1;
            if (entry.NameLength == name.Length && AsciiCase.EqualsLower(name, new ReadOnlySpan<byte>(_bytes, entry.Offset, entry.NameLength)))
            {
                return position;
            }
        }

        return -1;
    }

    /// <summary>Position of the newest entry named <paramref name="name"/> when its name's slot still points at it, else -1 (walk).</summary>
    private int NewestNamed(ReadOnlySpan<byte> name)
    {
        if (_newestOfName[NameSlot(name)] is var number and not 0)
        {
            var position = unchecked(_inserted - number);
            if ((uint)position < (uint)_count)
            {
                // Entry names are lowercase, as the names of an HTTP/2 head are: an exact compare
                // first, the case-folding one for an HTTP/1.1 head's names.
                var entryName = NameAt(position);
                if (entryName.SequenceEqual(name) || AsciiCase.EqualsLower(name, entryName))
                {
                    return position;
                }
            }
        }

        return -1;
    }

    /// <summary>Position of the entry with insertion number <paramref name="number"/> (0: none), or -1 once evicted.</summary>
    private int NewestAt(int number)
    {
        var position = unchecked(_inserted - number);
        return number != 0 && (uint)position < (uint)_count ? position : -1;
    }

    private static int NameSlot(ReadOnlySpan<byte> name)
        => name.IsEmpty ? 0 : ((name.Length * 31) + ((name[0] | 0x20) * 7) + (name[^1] | 0x20)) & (NameSlots - 1);

    /// <summary>
    /// Inserts a field as the newest entry (RFC 7541 §4.4): evicts until it fits; an entry larger than
    /// the maximum size empties the table and is not added. <paramref name="name"/> may be the name of
    /// an entry of this table that is about to be evicted (§4.4 cautions about exactly that).
    /// </summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, KnownHeader known = KnownHeader.None, int staticName = 0)
    {
        var size = name.Length + value.Length + EntryOverhead;
        _changes++;
        if (size > MaxSize)
        {
            EvictUntil(0);
            return;
        }

        if (name.Overlaps(_bytes))
        {
            name.CopyTo(_nameScratch);
            name = _nameScratch.AsSpan(0, name.Length);
        }

        EvictUntil(MaxSize - size);
        if (_writePosition + name.Length + value.Length > _bytes.Length)
        {
            Compact();
        }

        var offset = _writePosition;
        name.CopyTo(_bytes.AsSpan(offset));
        value.CopyTo(_bytes.AsSpan(offset + name.Length));
        _writePosition += name.Length + value.Length;

        _newest = (_newest + 1) % _entries.Length;
        _entries[_newest] = new Entry(offset, name.Length, value.Length);
        _count++;
        Size += size;
        _inserted = unchecked(_inserted + 1); // wraps after 2^32 inserts: positions are differences, and 0 only means "walk"
        _newestOfName[NameSlot(name)] = _inserted;
        if (staticName != 0 && (uint)staticName <= HpackStaticTable.Count)
        {
            _newestOfStaticName[staticName] = _inserted;
        }

        if (known != KnownHeader.None && (uint)known < KnownHeaderSlots)
        {
            _newestOfKnown[(int)known] = _inserted;
        }
    }

    /// <summary>Removes every entry, keeping the maximum size (RFC 7541 §4.4: an entry larger than the table).</summary>
    public void EvictAll() => EvictUntil(0);

    /// <summary>Removes every entry (the connection's table restarts, e.g. when a pooled encoder is reused).</summary>
    public void Clear()
    {
        EvictUntil(0);
        MaxSize = Capacity;
        _changes++;
        _writePosition = 0;
        Array.Clear(_newestOfKnown);
        Array.Clear(_newestOfName);
        Array.Clear(_newestOfStaticName);
    }

    private ref readonly Entry EntryAt(int position)
    {
        if ((uint)position >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(position));
        }

        var slot = _newest - position;
        if (slot < 0)
        {
            slot += _entries.Length;
        }

        return ref _entries[slot];
    }

    private void EvictUntil(int size)
    {
        while (Size > size)
        {
            ref readonly var oldest = ref EntryAt(_count - 1);
            Size -= oldest.NameLength + oldest.ValueLength + EntryOverhead;
            _count--;
            _changes++;
        }

        if (_count == 0)
        {
            _writePosition = 0;
        }
    }

    /// <summary>Moves the live entries (at most <see cref="Capacity"/> bytes) to the front, oldest first.</summary>
    private void Compact()
    {
        var position = 0;
        for (var i = _count - 1; i >= 0; i--)
        {
            var slot = _newest - i;
            if (slot < 0)
            {
                slot += _entries.Length;
            }

            ref var entry = ref _entries[slot];
            var length = entry.NameLength + entry.ValueLength;
            _bytes.AsSpan(entry.Offset, length).CopyTo(_bytes.AsSpan(position));
            entry = new Entry(position, entry.NameLength, entry.ValueLength);
            position += length;
        }

        _writePosition = position;
    }

    private readonly record struct Entry(int Offset, int NameLength, int ValueLength);
}
