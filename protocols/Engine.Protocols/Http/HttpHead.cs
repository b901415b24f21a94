using System.Runtime.CompilerServices;
using System.Text;

namespace Engine.Protocols.Http;

/// <summary>
/// What request and response heads share: a byte arena that holds every name and value the
/// parser (HTTP/1.1 copy of the head, or HPACK output) and later edits wrote, and the header
/// list as ranges into it. One instance is reused for many messages (<see cref="Reset"/>), so
/// steady-state parsing allocates nothing.
/// </summary>
public abstract class HttpHead
{
    /// <summary>
    /// Most heads fit in 1 KiB; a larger one doubles the arena once, and the head (pooled with its
    /// connection or stream) keeps the larger arena after that. 4 KiB here was 12 KiB per HTTP/2
    /// stream object (three heads), garbage for every short-lived h2c connection.
    /// </summary>
    private const int InitialArenaSize = 1024;

    private byte[] _arena;
    private int _used;
    private HeaderField[] _headers;
    private int _headerCount;
    private ulong _knownSeen;

    protected HttpHead(int arenaSize = InitialArenaSize, int headerCapacity = 32)
    {
        _arena = new byte[arenaSize];
        _headers = new HeaderField[headerCapacity];
    }

    public HttpVersion Version { get; set; }

    /// <summary>Content-Length value, or -1 when absent.</summary>
    public long ContentLength { get; set; } = -1;

    /// <summary>Transfer-Encoding ends in chunked (the only coding we accept).</summary>
    public bool Chunked { get; set; }

    public ConnectionOptions Connection { get; set; }

    public int HeaderCount => _headerCount;

    /// <summary>Bytes of the arena in use.</summary>
    public int ArenaLength => _used;

    public ReadOnlySpan<HeaderField> Headers => new(_headers, 0, _headerCount);

    public ref HeaderField HeaderAt(int index)
    {
        if ((uint)index >= (uint)_headerCount)
        {
            ThrowIndex();
        }

        return ref _headers[index];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Span(ByteRange range) => new(_arena, range.Start, range.Length);

    public ReadOnlySpan<byte> NameOf(int index) => Span(HeaderAt(index).Name);

    public ReadOnlySpan<byte> ValueOf(int index) => Span(HeaderAt(index).Value);

    /// <summary>
    /// Whether <paramref name="field"/> is still, in the arena, the line "name: value\r\n" an
    /// HTTP/1.1 head would carry (the parser keeps the head's bytes there, so an unedited field of a
    /// head that used one space after the colon is): <paramref name="line"/> is then those bytes,
    /// exactly what writing the name, ": ", the value and CRLF would produce.
    /// </summary>
    public bool TryGetFieldLine(in HeaderField field, out ByteRange line)
    {
        var nameEnd = field.Name.End;
        var valueEnd = field.Value.End;
        line = new ByteRange(field.Name.Start, valueEnd + 2 - field.Name.Start);
        return field.Value.Start == nameEnd + 2 && (uint)(valueEnd + 2) <= (uint)_used
            && _arena[nameEnd] == (byte)':' && _arena[nameEnd + 1] == (byte)' '
            && _arena[valueEnd] == (byte)'\r' && _arena[valueEnd + 1] == (byte)'\n';
    }

    /// <summary>Copies bytes into the arena and returns where they landed.</summary>
    public ByteRange Append(ReadOnlySpan<byte> bytes)
    {
        EnsureArena(bytes.Length);
        bytes.CopyTo(_arena.AsSpan(_used));
        var range = new ByteRange(_used, bytes.Length);
        _used += bytes.Length;
        return range;
    }

    /// <summary>
    /// Reserves <paramref name="length"/> bytes of the arena for the caller to fill (used to copy a
    /// head straight out of a multi-segment pipe buffer).
    /// </summary>
    public Span<byte> Reserve(int length, out ByteRange range)
    {
        EnsureArena(length);
        range = new ByteRange(_used, length);
        _used += length;
        return _arena.AsSpan(range.Start, length);
    }

    /// <summary>
    /// Writable space at the end of the arena for a producer that learns the length only once it has
    /// written (HPACK Huffman decoding writes straight into the arena this way). Nothing is taken
    /// until <see cref="CommitAppend"/>.
    /// </summary>
    public Span<byte> GetAppendSpan(int maxLength)
    {
        EnsureArena(maxLength);
        return _arena.AsSpan(_used, maxLength);
    }

    /// <summary>Takes the first <paramref name="length"/> bytes written into <see cref="GetAppendSpan"/>.</summary>
    public ByteRange CommitAppend(int length)
    {
        if ((uint)length > (uint)(_arena.Length - _used))
        {
            ThrowIndex();
        }

        var range = new ByteRange(_used, length);
        _used += length;
        return range;
    }

    /// <summary>Writable view of a range already in the arena (in-place edits such as path normalisation).</summary>
    public Span<byte> WritableSpan(ByteRange range) => _arena.AsSpan(range.Start, range.Length);

    public void AddHeader(ByteRange name, ByteRange value, KnownHeader known)
    {
        if (_headerCount == _headers.Length)
        {
            Array.Resize(ref _headers, _headers.Length * 2);
        }

        _headers[_headerCount++] = new HeaderField(name, value, known);
        _knownSeen |= MaskOf(known);
    }

    /// <summary>
    /// Whether a header with one of the known ids in <paramref name="mask"/> (<see cref="MaskOf"/>,
    /// or'ed) was added since <see cref="Reset"/>: one AND, so a feature that acts on rare headers
    /// (Envoy's x-envoy-* request controls) costs nothing on a request that has none. True can be
    /// stale after <see cref="RemoveHeaderAt"/>; look the header up to be sure.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayContainAny(ulong mask) => (_knownSeen & mask) != 0;

    /// <summary>The bit of <paramref name="known"/> for <see cref="MayContainAny"/> (the enum has fewer than 64 members).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskOf(KnownHeader known) => 1UL << (int)known;

    /// <summary>
    /// Adds a field that an HTTP/2 peer sent as "never indexed" (RFC 7541 §6.2.3): an intermediary
    /// MUST re-encode it the same way, so the flag travels with the field.
    /// </summary>
    public void AddHeader(ByteRange name, ByteRange value, KnownHeader known, bool neverIndexed)
    {
        AddHeader(name, value, known);
        _headers[_headerCount - 1].NeverIndexed = neverIndexed;
    }

    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, KnownHeader known = KnownHeader.None)
        => AddHeader(Append(name), Append(value), known);

    public void RemoveHeaderAt(int index)
    {
        if ((uint)index >= (uint)_headerCount)
        {
            ThrowIndex();
        }

        _headerCount--;
        Array.Copy(_headers, index + 1, _headers, index, _headerCount - index);
    }

    /// <summary>Index of the first header with this known id, or -1.</summary>
    public int IndexOf(KnownHeader known)
    {
        var headers = Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Known == known)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Index of the first header whose name equals <paramref name="lowerCaseName"/> ignoring ASCII case, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> lowerCaseName, int startAt = 0)
    {
        var headers = Headers;
        for (var i = startAt; i < headers.Length; i++)
        {
            if (headers[i].Name.Length == lowerCaseName.Length && Ascii.EqualsIgnoreCase(Span(headers[i].Name), lowerCaseName))
            {
                return i;
            }
        }

        return -1;
    }

    public virtual void Reset()
    {
        _used = 0;
        _headerCount = 0;
        _knownSeen = 0;
        Version = HttpVersion.Unknown;
        ContentLength = -1;
        Chunked = false;
        Connection = ConnectionOptions.None;
    }

    /// <summary>
    /// Makes this head what <paramref name="source"/> (a head of the same kind) is: its arena bytes,
    /// header list, framing fields and, in a subclass, its own (ranges stay valid: both arenas hold
    /// the same bytes at the same offsets). A memo of parsed heads hands its copies out this way.
    /// </summary>
    public virtual void CopyFrom(HttpHead source)
    {
        _used = 0;
        EnsureArena(source._used);
        source._arena.AsSpan(0, source._used).CopyTo(_arena);
        _used = source._used;
        if (_headers.Length < source._headerCount)
        {
            _headers = new HeaderField[source._headers.Length];
        }

        source._headers.AsSpan(0, source._headerCount).CopyTo(_headers);
        _headerCount = source._headerCount;
        _knownSeen = source._knownSeen;
        Version = source.Version;
        ContentLength = source.ContentLength;
        Chunked = source.Chunked;
        Connection = source.Connection;
    }

    private void EnsureArena(int extra)
    {
        if (_used + extra > _arena.Length)
        {
            var size = Math.Max(_arena.Length * 2, _used + extra);
            Array.Resize(ref _arena, size);
        }
    }

    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
