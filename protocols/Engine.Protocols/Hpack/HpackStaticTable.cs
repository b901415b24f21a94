using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Hpack;

/// <summary>
/// The HPACK static table (RFC 7541 Appendix A), indices 1–61, and the look-ups the encoder needs.
/// Names are lowercase; look-ups compare ignoring ASCII case because a head that came from
/// HTTP/1.1 keeps its names as sent (the encoder lowercases them on the wire, RFC 9113 §8.2.1).
/// </summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    // Indices the encoder and the request/response mapping use by number.
    public const int Authority = 1;
    public const int MethodGet = 2;
    public const int MethodPost = 3;
    public const int PathRoot = 4;
    public const int SchemeHttp = 6;
    public const int SchemeHttps = 7;
    public const int Status200 = 8;

    private static readonly Entry[] Entries =
    [
        default,
        new(":authority"u8),
        new(":method"u8, "GET"u8),
        new(":method"u8, "POST"u8),
        new(":path"u8, "/"u8),
        new(":path"u8, "/index.html"u8),
        new(":scheme"u8, "http"u8),
        new(":scheme"u8, "https"u8),
        new(":status"u8, "200"u8),
        new(":status"u8, "204"u8),
        new(":status"u8, "206"u8),
        new(":status"u8, "304"u8),
        new(":status"u8, "400"u8),
        new(":status"u8, "404"u8),
        new(":status"u8, "500"u8),
        new("accept-charset"u8),
        new("accept-encoding"u8, "gzip, deflate"u8),
        new("accept-language"u8),
        new("accept-ranges"u8),
        new("accept"u8),
        new("access-control-allow-origin"u8),
        new("age"u8),
        new("allow"u8),
        new("authorization"u8),
        new("cache-control"u8),
        new("content-disposition"u8),
        new("content-encoding"u8),
        new("content-language"u8),
        new("content-length"u8),
        new("content-location"u8),
        new("content-range"u8),
        new("content-type"u8),
        new("cookie"u8),
        new("date"u8),
        new("etag"u8),
        new("expect"u8),
        new("expires"u8),
        new("from"u8),
        new("host"u8),
        new("if-match"u8),
        new("if-modified-since"u8),
        new("if-none-match"u8),
        new("if-range"u8),
        new("if-unmodified-since"u8),
        new("last-modified"u8),
        new("link"u8),
        new("location"u8),
        new("max-forwards"u8),
        new("proxy-authenticate"u8),
        new("proxy-authorization"u8),
        new("range"u8),
        new("referer"u8),
        new("refresh"u8),
        new("retry-after"u8),
        new("server"u8),
        new("set-cookie"u8),
        new("strict-transport-security"u8),
        new("transfer-encoding"u8),
        new("user-agent"u8),
        new("vary"u8),
        new("via"u8),
        new("www-authenticate"u8),
    ];

    // FindName's index: names hashed by length, first and last byte (A–Z folded), each bucket a
    // chain through NextWithSameBucket. A scan of the names of the same length cost ~115
    // instructions per field (callgrind, h2c responses of eight fields); a probe is one or two.
    private const int BucketMask = 255;
    private static readonly byte[] FirstOfBucket = new byte[BucketMask + 1];
    private static readonly byte[] NextWithSameBucket = BuildNameIndex(FirstOfBucket);

    // For each index, the last index with the same name (entries sharing a name are consecutive):
    // FindField compares values only, and only those of the right length. Comparing the names
    // again to find the run's end was ~75 instructions for a request's :path (callgrind).
    private static readonly byte[] LastWithSameName = BuildLastWithSameName();

    public static ReadOnlySpan<byte> NameAt(int index) => Entries[index].Name;

    public static ReadOnlySpan<byte> ValueAt(int index) => Entries[index].Value;

    /// <summary>Name and value of an entry (1-based, at most <see cref="Count"/>) in one look-up.</summary>
    public static void GetEntry(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        ref readonly var entry = ref Entries[index];
        name = entry.Name;
        value = entry.Value;
    }

    /// <summary>
    /// The static index of a known header's name, 0 when the table has no such name, or -1 for
    /// <see cref="KnownHeader.None"/> (look the name up): the parser identified these names
    /// already, so the encoder need not compare them again.
    /// </summary>
    public static int NameIndexOf(KnownHeader known) => known switch
    {
        KnownHeader.None => -1,
        KnownHeader.ContentLength => 28,
        KnownHeader.ContentType => 31,
        KnownHeader.Date => 33,
        KnownHeader.Expect => 35,
        KnownHeader.Host => 38,
        KnownHeader.Server => 54,
        KnownHeader.TransferEncoding => 57,
        _ => 0,
    };

    /// <summary>The static index of ":status" with this code (Appendix A has seven), or 0.</summary>
    public static int StatusIndexOf(int statusCode) => statusCode switch
    {
        200 => Status200,
        204 => 9,
        206 => 10,
        304 => 11,
        400 => 12,
        404 => 13,
        500 => 14,
        _ => 0,
    };

    /// <summary>The first static index whose name is <paramref name="name"/> (ASCII case ignored), or 0.</summary>
    public static int FindName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return 0;
        }

        for (int index = FirstOfBucket[BucketOf(name)]; index != 0; index = NextWithSameBucket[index])
        {
            if (AsciiCase.EqualsLower(name, Entries[index].Name))
            {
                return index;
            }
        }

        return 0;
    }

    /// <summary>
    /// The static index of this exact field, or 0. Only :method, :path, :scheme, :status and
    /// accept-encoding have values in the table; <paramref name="nameIndex"/> is the result of
    /// <see cref="FindName"/>, and entries sharing a name are consecutive.
    /// </summary>
    public static int FindField(int nameIndex, ReadOnlySpan<byte> value)
    {
        if (nameIndex == 0)
        {
            return 0;
        }

        // Most names have one entry, with no value (Appendix A): only an empty value matches it.
        if (Entries[nameIndex].Value.Length == 0)
        {
            return value.IsEmpty ? nameIndex : 0;
        }

        for (var index = nameIndex; index <= LastWithSameName[nameIndex]; index++)
        {
            var candidate = Entries[index].Value;
            if (candidate.Length == value.Length && value.SequenceEqual(candidate))
            {
                return index;
            }
        }

        return 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int BucketOf(ReadOnlySpan<byte> name)
        => ((name.Length * 31) + ((name[0] | 0x20) * 7) + (name[^1] | 0x20)) & BucketMask;

    /// <summary>Fills <paramref name="first"/> and returns the chains: one link per name, at the first index that has it.</summary>
    private static byte[] BuildNameIndex(byte[] first)
    {
        var next = new byte[Count + 1];
        var last = new byte[BucketMask + 1];
        for (var index = 1; index <= Count; index++)
        {
            if (Entries[index].Name.SequenceEqual(Entries[index - 1].Name))
            {
                continue; // entries sharing a name are consecutive: the first one stands for them
            }

            var bucket = BucketOf(Entries[index].Name);
            if (first[bucket] == 0)
            {
                first[bucket] = (byte)index;
            }
            else
            {
                next[last[bucket]] = (byte)index;
            }

            last[bucket] = (byte)index;
        }

        return next;
    }

    private static byte[] BuildLastWithSameName()
    {
        var last = new byte[Count + 1];
        for (var index = Count; index >= 1; index--)
        {
            last[index] = index < Count && Entries[index + 1].Name.AsSpan().SequenceEqual(Entries[index].Name)
                ? last[index + 1]
                : (byte)index;
        }

        return last;
    }

    private readonly struct Entry
    {
        public Entry(ReadOnlySpan<byte> name)
            : this(name, [])
        {
        }

        public Entry(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            Name = name.ToArray();
            Value = value.ToArray();
        }

        public byte[] Name { get; }

        public byte[] Value { get; }
    }
}
