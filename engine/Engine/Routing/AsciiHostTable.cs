using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing;

/// <summary>
/// Exact host names to values, looked up straight from the authority's bytes, ASCII case ignored.
/// </summary>
/// <remarks>
/// The frozen dictionary it stands in front of took the host as chars: a Latin-1 decode, an
/// ordinal-ignore-case hash and compare, ~700 instructions on every request (2% of an HTTP/1.1
/// one, callgrind). Host names are ASCII (DNS names; IDNs travel as punycode), so this hashes the
/// bytes lowered on the fly and compares with <see cref="AsciiCase.EqualsLower"/>. For ASCII
/// both sides agree exactly with <see cref="StringComparer.OrdinalIgnoreCase"/>; a table with a
/// non-ASCII key, or a non-ASCII host, is left to the dictionary (<see cref="TryFind"/> says so).
/// Open addressing, built once, read-only afterwards: lock-free by construction.
/// </remarks>
internal sealed class AsciiHostTable<T>
    where T : class
{
    private readonly Entry[] _buckets;
    private readonly int _mask;

    private AsciiHostTable(Entry[] buckets)
    {
        _buckets = buckets;
        _mask = buckets.Length - 1;
    }

    /// <summary>The table for <paramref name="hosts"/>, or null when a key is not ASCII (the caller keeps its dictionary).</summary>
    public static AsciiHostTable<T>? TryCreate(IEnumerable<KeyValuePair<string, T>> hosts)
    {
        var list = hosts.ToList();
        if (list.Any(h => !Ascii.IsValid(h.Key)))
        {
            return null;
        }

        // At most half full: a miss ends at an empty bucket after a probe or two.
        var size = 4;
        while (size < list.Count * 2)
        {
            size *= 2;
        }

        var buckets = new Entry[size];
        foreach (var (host, value) in list)
        {
            var key = Encoding.ASCII.GetBytes(host.ToLowerInvariant());
            var hash = Hash(key, out _);
            var i = (int)hash & (size - 1);
            while (buckets[i].Key is not null)
            {
                i = (i + 1) & (size - 1);
            }

            buckets[i] = new Entry(key, hash, value);
        }

        return new AsciiHostTable<T>(buckets);
    }

    /// <summary>
    /// False when the host is not ASCII (the caller asks its dictionary); otherwise true, with the
    /// value or null when no key matches.
    /// </summary>
    public bool TryFind(ReadOnlySpan<byte> host, out T? value)
    {
        value = null;
        var hash = Hash(host, out var ascii);
        if (!ascii)
        {
            return false;
        }

        var i = (int)hash & _mask;
        while (_buckets[i].Key is { } key)
        {
            if (_buckets[i].Hash == hash && key.Length == host.Length && AsciiCase.EqualsLower(host, key))
            {
                value = _buckets[i].Value;
                return true;
            }

            i = (i + 1) & _mask;
        }

        return true;
    }

    /// <summary>FNV-1a over the bytes with A–Z taken as a–z; <paramref name="ascii"/>: no byte above 0x7F.</summary>
    private static uint Hash(ReadOnlySpan<byte> bytes, out bool ascii)
    {
        var hash = 2166136261u;
        var all = 0;
        foreach (var b in bytes)
        {
            all |= b;
            var lower = (uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20u : b;
            hash = (hash ^ lower) * 16777619u;
        }

        ascii = all < 0x80;
        return hash;
    }

    private readonly record struct Entry(byte[]? Key, uint Hash, T? Value);
}
