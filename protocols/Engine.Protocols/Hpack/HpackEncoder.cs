using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Http2;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Hpack;

/// <summary>
/// HPACK encoder (RFC 7541) for one direction of one connection: writes a head's field section
/// into a span without allocating. Names go out lowercase (RFC 9113 §8.2.1) whatever case an
/// HTTP/1.1 head had; connection-specific fields are left out (§8.2.2).
/// <para>Representation choices (RFC 7541 leaves them to the encoder):</para>
/// <list type="bullet">
/// <item>A static-table match of name and value is one index byte.</item>
/// <item>With a dynamic table (the default, 4 KiB like Envoy's), repeated fields — :authority,
/// content-type, user-agent, gRPC's fixed fields — are indexed so later requests on the connection
/// send them as one byte; values that are new on every message (content-length, request ids, trace
/// ids, paths with a query…) are sent without indexing so they do not evict the useful entries.
/// Their names are referenced, not spelled out: from the static table, or else from one entry the
/// first such field of a name makes (later ones never add another).</item>
/// <item>authorization, proxy-authorization, cookie and set-cookie, and any field the peer sent as
/// never-indexed, are sent never-indexed (§7.1.3; §6.2.3: an intermediary MUST keep that).</item>
/// <item>Strings are sent raw by default; with <c>huffman: true</c> a string is Huffman-coded when
/// that is strictly shorter. Measured on the 12-field browser request (min of 300 rounds, Release):
/// encode with the table and raw strings 502 ns / 191 B, with Huffman 698 ns / 142 B; stateless raw
/// 364 ns / 560 B, stateless Huffman 959 ns / 427 B; and the receiver decodes raw blocks in ~430 ns
/// against 720–1360 ns Huffman-coded. A sidecar's hops are pod-local or one network hop: CPU per
/// request matters more than 50 bytes, so the table is on and Huffman off unless configured
/// (<see cref="Http2.Http2Limits.EncoderHuffman"/>).</item>
/// </list>
/// Pass <c>maxTableSize: 0</c> for a stateless encoder that never indexes.
/// </summary>
[SkipLocalsInit] // the lowercase-name scratch is written before it is read; zeroing 256 bytes per field is waste
public sealed class HpackEncoder
{
    /// <summary>The peer decoder's table size until its SETTINGS say otherwise (RFC 9113 §6.5.2).</summary>
    private const int DefaultPeerTableSize = 4096;

    /// <summary>Two size updates at most (§4.2) and six bytes each.</summary>
    private const int SizeUpdatesBound = 2 * HpackInteger.MaxEncodedLength;

    /// <summary>Per field: representation byte(s) with the index, and two string lengths.</summary>
    private const int FieldOverheadBound = 3 * HpackInteger.MaxEncodedLength;

    /// <summary>Names longer than this are written raw (no Huffman, no indexing) so lowercasing needs no buffer.</summary>
    private const int MaxLowercaseStackName = 256;

    private readonly HpackDynamicTable _table;
    private readonly bool _huffman;
    private int _smallestPendingSize = -1;
    private bool _sizeUpdatePending;

    /// <param name="maxTableSize">Most dynamic-table memory to use whatever the peer allows; 0 never indexes.</param>
    /// <param name="huffman">Huffman-code strings when shorter.</param>
    public HpackEncoder(int maxTableSize = 4096, bool huffman = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _table = new HpackDynamicTable(maxTableSize);
        _huffman = huffman;
        Reset();
    }

    /// <summary>The encoder the limits describe (<see cref="Http2Limits.EncoderTableSize"/>, <see cref="Http2Limits.EncoderHuffman"/>).</summary>
    public static HpackEncoder FromLimits(in Http2Limits limits) => new(limits.EncoderTableSize, limits.EncoderHuffman);

    /// <summary>Dynamic table size now (for tests and stats).</summary>
    public int DynamicTableSize => _table.Size;

    internal HpackDynamicTable Table => _table;

    /// <summary>Back to the state of a new connection (for pooling).</summary>
    public void Reset()
    {
        _table.Clear();
        _smallestPendingSize = -1;
        _sizeUpdatePending = false;
        SetTableSize(Math.Min(_table.Capacity, DefaultPeerTableSize));

        // Using less than the peer's 4096 is fine but is still a change to signal (RFC 7541 §4.2).
        _sizeUpdatePending = _table.MaxSize != DefaultPeerTableSize;
    }

    /// <summary>
    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed: we use the smaller of it and our own cap, and
    /// signal the change at the start of the next block — the smallest size reached first if it
    /// went down and up again in between (§4.2).
    /// </summary>
    public void SetPeerMaxTableSize(uint peerTableSize)
    {
        var size = (int)Math.Min(peerTableSize, (uint)_table.Capacity);
        if (size != _table.MaxSize)
        {
            SetTableSize(size);
            _sizeUpdatePending = true;
        }
    }

    /// <summary>Bytes the head can take at most once encoded: size the destination from this.</summary>
    public static int GetMaxEncodedLength(HttpHead head)
    {
        var length = SizeUpdatesBound;
        foreach (var field in head.Headers)
        {
            length += field.Name.Length + field.Value.Length + FieldOverheadBound;
        }

        if (head is HttpRequestHead request)
        {
            // :method (a name at most 7 bytes when MethodBytes is empty), :scheme ("https" at most when empty), :authority, :path, :protocol.
            length += (5 * FieldOverheadBound) + Math.Max(request.MethodBytes.Length, 7) + Math.Max(request.Scheme.Length, 5)
                + request.Authority.Length + request.Path.Length + request.Protocol.Length;
        }
        else if (head is HttpResponseHead)
        {
            length += FieldOverheadBound + 3;
        }

        return length;
    }

    /// <summary>
    /// Encodes a request's field section: :method, :scheme, :authority, :path (CONNECT: :method and
    /// :authority only, RFC 9113 §8.5; an extended CONNECT has them all and :protocol, RFC 8441 §4),
    /// then the fields. An empty Scheme means "http" (the proxy's
    /// upstream HTTP/2 is cleartext). <paramref name="destination"/> must hold
    /// <see cref="GetMaxEncodedLength"/> bytes. Returns the bytes written.
    /// </summary>
    public int EncodeRequest(HttpRequestHead head, Span<byte> destination)
    {
        var written = WritePendingSizeUpdates(destination);
        var method = head.MethodBytes.IsEmpty ? Http1Methods.NameOf(head.Method) : head.Span(head.MethodBytes);
        written += method.SequenceEqual("GET"u8) ? WriteIndexed(HpackStaticTable.MethodGet, destination[written..])
            : method.SequenceEqual("POST"u8) ? WriteIndexed(HpackStaticTable.MethodPost, destination[written..])
            : EncodeField(":method"u8, method, neverIndexed: false, HpackStaticTable.MethodGet, KnownHeader.None, destination[written..]);
        var extended = !head.Protocol.IsEmpty;
        if (extended)
        {
            written += EncodeField(":protocol"u8, head.Span(head.Protocol), neverIndexed: false, nameIndex: 0, KnownHeader.None, destination[written..]);
        }

        var connect = head.Method == HttpMethod.Connect && !extended;
        if (!connect)
        {
            var scheme = head.Scheme.IsEmpty ? "http"u8 : head.Span(head.Scheme);
            written += EncodeField(":scheme"u8, scheme, neverIndexed: false, HpackStaticTable.SchemeHttp, KnownHeader.None, destination[written..]);
        }

        if (!head.Authority.IsEmpty)
        {
            written += EncodeField(":authority"u8, head.Span(head.Authority), neverIndexed: false, HpackStaticTable.Authority, KnownHeader.None, destination[written..]);
        }

        if (!connect)
        {
            written += EncodeField(":path"u8, head.Span(head.Path), neverIndexed: false, HpackStaticTable.PathRoot, KnownHeader.None, destination[written..]);
        }

        return written + EncodeFields(head, destination[written..]);
    }

    /// <summary>Encodes a response's field section: :status, then the fields. See <see cref="EncodeRequest"/>.</summary>
    public int EncodeResponse(HttpResponseHead head, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(head.StatusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(head.StatusCode, 999);
        var written = WritePendingSizeUpdates(destination);
        var staticStatus = HpackStaticTable.StatusIndexOf(head.StatusCode);
        if (staticStatus != 0)
        {
            written += WriteIndexed(staticStatus, destination[written..]);
        }
        else
        {
            Span<byte> status = stackalloc byte[3];
            status[0] = (byte)('0' + (head.StatusCode / 100));
            status[1] = (byte)('0' + (head.StatusCode / 10 % 10));
            status[2] = (byte)('0' + (head.StatusCode % 10));
            written += EncodeField(":status"u8, status, neverIndexed: false, HpackStaticTable.Status200, KnownHeader.None, destination[written..]);
        }

        return written + EncodeFields(head, destination[written..]);
    }

    /// <summary>Encodes a trailer section (fields only). See <see cref="EncodeRequest"/>.</summary>
    public int EncodeTrailers(HttpHead trailers, Span<byte> destination)
    {
        var written = WritePendingSizeUpdates(destination);
        return written + EncodeFields(trailers, destination[written..]);
    }

    /// <summary>
    /// Encodes one field with the representation choices above (for test peers and special fields);
    /// <paramref name="destination"/> must hold name + value + 18 bytes. Returns the bytes written.
    /// A pending table size update is not written here: use the head methods for whole blocks.
    /// </summary>
    public int EncodeField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, Span<byte> destination)
        => EncodeField(name, value, neverIndexed, HpackStaticTable.FindName(name), KnownHeader.None, destination);

    /// <param name="nameIndex">The name's static index (0: none), known beforehand.</param>
    /// <param name="known">The field as the parser identified it: a known header is never a credential,
    /// and whether it is worth indexing is a property of the header, not a string compare.</param>
    private int EncodeField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, int nameIndex, KnownHeader known, Span<byte> destination)
    {
        if (neverIndexed || (known == KnownHeader.None && IsSensitive(name)))
        {
            // §6.2.3 literal never indexed: 0001 + 4-bit name index. Checked before the static match:
            // "intermediaries MUST use the same representation", so a never-indexed :method GET stays
            // a literal (nghttp2 matches only names for these too). Found by the hpack fuzz target.
            return WriteLiteral(0x10, 4, nameIndex, name, value, destination);
        }

        var staticField = HpackStaticTable.FindField(nameIndex, value);
        if (staticField != 0)
        {
            return WriteIndexed(staticField, destination);
        }

        var size = name.Length + value.Length + HpackDynamicTable.EntryOverhead;
        if (size > _table.MaxSize * 3 / 4 || name.Length > MaxLowercaseStackName)
        {
            // §6.2.2 literal without indexing: 0000 + 4-bit name index.
            return WriteLiteral(0x00, 4, nameIndex, name, value, destination);
        }

        if (!(known == KnownHeader.None ? ShouldIndex(name, value) : ShouldIndex(known)))
        {
            // A value new on every message is not indexed. Its name is referenced rather than
            // spelled out, from the static table or else from an entry of the dynamic table: when
            // there is none, this field is indexed once (below) so the next messages have one.
            // x-envoy-upstream-service-time spelled its 29-byte name on every answer (~290 instructions).
            var dynamicNameOnly = nameIndex == 0 && _table.MaxSize > 0 ? _table.FindName(name, known) : -1;
            if (nameIndex != 0 || dynamicNameOnly >= 0 || _table.MaxSize == 0)
            {
                return WriteLiteral(0x00, 4, nameIndex != 0 ? nameIndex : dynamicNameOnly >= 0 ? HpackStaticTable.Count + 1 + dynamicNameOnly : 0, name, value, destination);
            }

            return WriteIndexedLiteral(name, value, nameIndex: 0, known, destination);
        }

        var found = _table.Find(name, value, known, staticName: nameIndex, out var dynamicName);
        if (found >= 0)
        {
            return WriteIndexed(HpackStaticTable.Count + 1 + found, destination);
        }

        if (nameIndex == 0 && dynamicName >= 0)
        {
            nameIndex = HpackStaticTable.Count + 1 + dynamicName;
        }

        return WriteIndexedLiteral(name, value, nameIndex, known, destination);
    }

    /// <summary>§6.2.1 literal with incremental indexing: 01 + 6-bit name index; the table keeps the lowercase name.</summary>
    private int WriteIndexedLiteral(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int nameIndex, KnownHeader known, Span<byte> destination)
    {
        var written = WriteLiteral(0x40, 6, nameIndex, name, value, destination);
        Span<byte> lowerName = stackalloc byte[MaxLowercaseStackName];
        LowerAscii(name, lowerName);
        _table.Add(lowerName[..name.Length], value, known, staticName: nameIndex <= HpackStaticTable.Count ? nameIndex : 0);
        return written;
    }

    /// <summary>
    /// Copies <paramref name="name"/> with A–Z lowered and every other byte as it is. Ascii.ToLower
    /// alone stops at the first non-ASCII byte, which cut such names short (and left the rest of a long
    /// name's destination unwritten, and the tables out of step); HPACK names are any octets (RFC 7541
    /// §5.2) even if HTTP/2's field rules refuse them later. Found by the hpack fuzz target.
    /// </summary>
    private static void LowerAscii(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        if (Ascii.ToLower(name, destination, out var written) == OperationStatus.Done)
        {
            return;
        }

        for (var i = written; i < name.Length; i++)
        {
            var b = name[i];
            destination[i] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
        }
    }

    private int EncodeFields(HttpHead head, Span<byte> destination)
    {
        var written = 0;
        foreach (ref readonly var field in head.Headers)
        {
            if (Http2HeaderTranslation.IsDroppedForHttp2(head, field))
            {
                continue;
            }

            var value = field.Known == KnownHeader.Te ? "trailers"u8 : head.Span(field.Value);
            if (!field.NeverIndexed && _table.FindNewestOfKnown(field.Known, value) is var position and >= 0)
            {
                // A field this encoder entered, with the same value as last time (server, date,
                // content-type on every answer): what EncodeField would find first, without its
                // static-table and indexing checks. An entry this encoder made is one no static
                // entry matched, that was worth indexing and fitted.
                written += WriteIndexed(HpackStaticTable.Count + 1 + position, destination[written..]);
                continue;
            }

            var name = head.Span(field.Name);
            var nameIndex = HpackStaticTable.NameIndexOf(field.Known);
            System.Diagnostics.Debug.Assert(nameIndex <= 0 || AsciiCase.EqualsLower(name, HpackStaticTable.NameAt(nameIndex)), "a field's KnownHeader names another header");
            written += EncodeField(name, value, field.NeverIndexed, nameIndex < 0 ? HpackStaticTable.FindName(name) : nameIndex, field.Known, destination[written..]);
        }

        return written;
    }

    private int WritePendingSizeUpdates(Span<byte> destination)
    {
        if (!_sizeUpdatePending)
        {
            return 0;
        }

        // §6.3: 001 + 5-bit max size; the smallest first when the size dipped below the final one.
        var written = 0;
        if (_smallestPendingSize >= 0 && _smallestPendingSize < _table.MaxSize)
        {
            written = HpackInteger.Encode(_smallestPendingSize, 5, 0x20, destination);
        }

        written += HpackInteger.Encode(_table.MaxSize, 5, 0x20, destination[written..]);
        _sizeUpdatePending = false;
        _smallestPendingSize = -1;
        return written;
    }

    private void SetTableSize(int size)
    {
        _table.SetMaxSize(size);
        if (_smallestPendingSize < 0 || size < _smallestPendingSize)
        {
            _smallestPendingSize = size;
        }
    }

    private static int WriteIndexed(int index, Span<byte> destination) => HpackInteger.Encode(index, 7, 0x80, destination);

    private int WriteLiteral(byte pattern, int prefixBits, int nameIndex, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var written = HpackInteger.Encode(nameIndex, prefixBits, pattern, destination);
        if (nameIndex == 0)
        {
            written += WriteName(name, destination[written..]);
        }

        return written + WriteString(value, destination[written..]);
    }

    private int WriteName(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        if (name.Length > MaxLowercaseStackName)
        {
            var length = HpackInteger.Encode(name.Length, 7, 0x00, destination);
            LowerAscii(name, destination[length..]);
            return length + name.Length;
        }

        Span<byte> lower = stackalloc byte[MaxLowercaseStackName];
        LowerAscii(name, lower);
        return WriteString(lower[..name.Length], destination);
    }

    /// <summary>§5.2: Huffman-coded (H = 1) when shorter, else raw.</summary>
    private int WriteString(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (_huffman)
        {
            var huffmanLength = Huffman.GetEncodedLength(value);
            if (huffmanLength < value.Length)
            {
                var prefix = HpackInteger.Encode(huffmanLength, 7, 0x80, destination);
                return prefix + Huffman.Encode(value, destination[prefix..]);
            }
        }

        var length = HpackInteger.Encode(value.Length, 7, 0x00, destination);
        value.CopyTo(destination[length..]);
        return length + value.Length;
    }

    /// <summary>RFC 7541 §7.1.3: credentials and cookies are never put in a table a later request could probe.</summary>
    private static bool IsSensitive(ReadOnlySpan<byte> name) => name.Length switch
    {
        6 => AsciiCase.EqualsLower(name, "cookie"u8),
        10 => AsciiCase.EqualsLower(name, "set-cookie"u8),
        13 => AsciiCase.EqualsLower(name, "authorization"u8),
        19 => AsciiCase.EqualsLower(name, "proxy-authorization"u8),
        _ => false,
    };

    /// <summary>
    /// <see cref="ShouldIndex(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> for the headers the parser
    /// identifies. grpc-timeout is a caller's remaining deadline: new on every call.
    /// </summary>
    private static bool ShouldIndex(KnownHeader known)
        => known is not (KnownHeader.ContentLength or KnownHeader.XRequestId or KnownHeader.XEnvoyUpstreamServiceTime or KnownHeader.GrpcTimeout);

    /// <summary>Fields whose values are new on (nearly) every message: indexing them only evicts useful entries.</summary>
    private static bool ShouldIndex(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => name.Length switch
    {
        3 => !AsciiCase.EqualsLower(name, "age"u8),
        4 => !AsciiCase.EqualsLower(name, "etag"u8),
        5 => !name.SequenceEqual(":path"u8) || !value.Contains((byte)'?'),
        10 => !AsciiCase.EqualsLower(name, "tracestate"u8),
        11 => !AsciiCase.EqualsLower(name, "traceparent"u8) && !AsciiCase.EqualsLower(name, "x-b3-spanid"u8),
        12 => !AsciiCase.EqualsLower(name, "x-request-id"u8) && !AsciiCase.EqualsLower(name, "x-b3-traceid"u8),
        13 => !AsciiCase.EqualsLower(name, "last-modified"u8) && !AsciiCase.EqualsLower(name, "if-none-match"u8),
        14 => !AsciiCase.EqualsLower(name, "content-length"u8),
        17 => !AsciiCase.EqualsLower(name, "if-modified-since"u8) && !AsciiCase.EqualsLower(name, "x-b3-parentspanid"u8),
        29 => !AsciiCase.EqualsLower(name, "x-envoy-upstream-service-time"u8),
        _ => true,
    };
}
