using System.Buffers.Binary;
using System.Text;

namespace Engine.Upstream.Dns;

/// <summary>
/// The little of the DNS wire format (RFC 1035 §4) a TTL probe needs: a recursive query for one
/// name and type, and, from its response, the response code and the shortest TTL among the
/// records that lead to the name's addresses (its CNAME chain and the address records). Names in
/// responses may be compressed (§4.1.4); they are skipped, never followed, as the TTL does not
/// depend on them.
/// </summary>
internal static class DnsWire
{
    public const ushort TypeA = 1;
    public const ushort TypeCname = 5;
    public const ushort TypeAaaa = 28;
    public const int NoError = 0;
    public const int NameError = 3; // NXDOMAIN

    /// <summary>A query with recursion desired, or null when the name cannot be encoded (a label over 63 bytes, a name over 255).</summary>
    public static byte[]? Query(ushort id, string name, ushort type)
    {
        var labels = name.TrimEnd('.').Split('.');
        var length = 12 + 1 + 4 + labels.Sum(l => 1 + Encoding.ASCII.GetByteCount(l));
        if (length - 16 > 255 || labels.Any(l => l.Length is 0 or > 63))
        {
            return null;
        }

        var message = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(message, id);
        message[2] = 0x01; // RD
        message[5] = 1;    // QDCOUNT
        var at = 12;
        foreach (var label in labels)
        {
            message[at++] = (byte)label.Length;
            at += Encoding.ASCII.GetBytes(label, message.AsSpan(at));
        }

        message[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at + 2), 1); // IN
        return message;
    }

    /// <summary>
    /// Whether <paramref name="response"/> answers the query <paramref name="id"/> but was cut to
    /// fit a UDP datagram (TC, §4.1.1): its records are incomplete, and the whole answer takes TCP
    /// (§4.2.2, a two-byte length before each message). Our queries carry no EDNS, so any answer
    /// over 512 bytes comes so (a headless service with a few dozen endpoints).
    /// </summary>
    public static bool IsTruncatedResponse(ReadOnlySpan<byte> response, ushort id)
        => response.Length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(response) == id && (response[2] & 0x80) != 0 && (response[2] & 0x02) != 0;

    /// <summary>
    /// Reads a response to the query <paramref name="id"/>: false when it is not one (wrong id, not a
    /// response, cut short). <paramref name="ttl"/> is the shortest TTL of the answer's records of
    /// <paramref name="type"/> and CNAME, null when it has none of <paramref name="type"/>.
    /// </summary>
    public static bool TryReadResponse(ReadOnlySpan<byte> response, ushort id, ushort type, out int responseCode, out TimeSpan? ttl)
    {
        responseCode = 0;
        ttl = null;
        if (response.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(response) != id || (response[2] & 0x80) == 0)
        {
            return false;
        }

        responseCode = response[3] & 0x0F;
        var questions = BinaryPrimitives.ReadUInt16BigEndian(response[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(response[6..]);
        var at = 12;
        for (var q = 0; q < questions; q++)
        {
            if (!SkipName(response, ref at) || (at += 4) > response.Length)
            {
                return false;
            }
        }

        uint? shortest = null;
        var found = false;
        for (var a = 0; a < answers; a++)
        {
            if (!SkipName(response, ref at) || at + 10 > response.Length)
            {
                return false;
            }

            var recordType = BinaryPrimitives.ReadUInt16BigEndian(response[at..]);
            var recordTtl = BinaryPrimitives.ReadUInt32BigEndian(response[(at + 4)..]);
            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(response[(at + 8)..]);
            at += 10 + dataLength;
            if (at > response.Length)
            {
                return false;
            }

            if (recordType == type || recordType == TypeCname)
            {
                found |= recordType == type;
                shortest = shortest is { } s ? Math.Min(s, recordTtl) : recordTtl;
            }
        }

        ttl = found ? TimeSpan.FromSeconds(Math.Min(shortest!.Value, int.MaxValue)) : null;
        return true;
    }

    /// <summary>Moves past a name: labels up to the root, or up to a compression pointer (2 bytes).</summary>
    private static bool SkipName(ReadOnlySpan<byte> message, ref int at)
    {
        while (at < message.Length)
        {
            var length = message[at];
            if ((length & 0xC0) == 0xC0)
            {
                at += 2;
                return at <= message.Length;
            }

            at += 1 + length;
            if (length == 0)
            {
                return at <= message.Length;
            }
        }

        return false;
    }
}
