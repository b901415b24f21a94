using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Engine.Config;

/// <summary>
/// An immutable <c>map&lt;string, T&gt;</c> that enumerates in document order (YAML maps are
/// ordered as written, and header operations are applied in that order). Keys are unique: the
/// binder reports duplicates before building one.
/// </summary>
internal sealed class OrderedMap<TValue> : IReadOnlyDictionary<string, TValue>
{
    private readonly KeyValuePair<string, TValue>[] _entries;
    private readonly Dictionary<string, int> _index;

    public OrderedMap(IEnumerable<KeyValuePair<string, TValue>> entries)
    {
        _entries = [.. entries];
        _index = new Dictionary<string, int>(_entries.Length, StringComparer.Ordinal);
        for (var i = 0; i < _entries.Length; i++)
        {
            if (!_index.TryAdd(_entries[i].Key, i))
            {
                throw new ArgumentException($"duplicate key '{_entries[i].Key}'", nameof(entries));
            }
        }
    }

    public static OrderedMap<TValue> Empty { get; } = new([]);

    public int Count => _entries.Length;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<TValue> Values => _entries.Select(e => e.Value);

    public TValue this[string key] => _entries[_index[key]].Value;

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _entries[i].Value;
            return true;
        }

        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, TValue>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
