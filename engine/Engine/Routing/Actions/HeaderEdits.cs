using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// One compiled <c>headers.request</c> or <c>headers.response</c> block: removes, then sets, then
/// adds, applied to a head in its arena (Envoy evaluates removes before adds). <c>set</c>
/// replaces every line of the name; <c>add</c> appends a line. Values may hold Envoy's
/// <c>%VARIABLE%</c> substitutions (<see cref="HeaderValue"/>), read from the head as it arrived;
/// a value that renders empty adds nothing.
/// </summary>
internal sealed class HeaderEdits
{
    public static readonly HeaderEdits None = new([], [], []);

    private readonly byte[][] _remove;
    private readonly (byte[] Name, HeaderValue Value)[] _set;
    private readonly (byte[] Name, HeaderValue Value)[] _add;
    private readonly HeaderValue[] _values; // the set values, then the add values
    private readonly bool _literal;

    public HeaderEdits(IEnumerable<string> remove, IEnumerable<KeyValuePair<string, string>> set, IEnumerable<KeyValuePair<string, string>> add)
    {
        _remove = remove.Select(Lower).ToArray();
        _set = set.Select(Pair).ToArray();
        _add = add.Select(Pair).ToArray();
        _values = _set.Concat(_add).Select(p => p.Value).ToArray();
        _literal = _values.All(v => v.Literal is not null);
    }

    public bool IsEmpty => _remove.Length == 0 && _set.Length == 0 && _add.Length == 0;

    public IEnumerable<string> Describe()
    {
        foreach (var name in _remove)
        {
            yield return $"remove {Encoding.ASCII.GetString(name)}";
        }

        foreach (var (name, value) in _set)
        {
            yield return $"set {Encoding.ASCII.GetString(name)}: {value}";
        }

        foreach (var (name, value) in _add)
        {
            yield return $"add {Encoding.ASCII.GetString(name)}: {value}";
        }
    }

    /// <summary>
    /// Applies the block to <paramref name="head"/>. <paramref name="source"/> answers the
    /// variables (null: they render empty); <paramref name="response"/> says the head is the
    /// response, which <c>%RESP(…)%</c> reads.
    /// </summary>
    public void Apply(HttpHead head, IHeaderValueSource? source = null, bool response = false)
    {
        if (IsEmpty)
        {
            return;
        }

        // Values with variables are rendered first, from the head as it arrived.
        var rendered = _literal ? null : Render(source, response ? head : null);

        // Removes first (and every existing line of a name being set), scanning backwards so
        // indexes stay valid as lines go.
        for (var i = head.HeaderCount - 1; i >= 0; i--)
        {
            var name = head.NameOf(i);
            if (Contains(_remove, name) || ContainsName(_set, name))
            {
                head.RemoveHeaderAt(i);
            }
        }

        var n = 0;
        foreach (var (name, value) in _set)
        {
            Add(head, name, value, rendered, n++);
        }

        foreach (var (name, value) in _add)
        {
            Add(head, name, value, rendered, n++);
        }
    }

    private static void Add(HttpHead head, byte[] name, HeaderValue value, byte[]?[]? rendered, int n)
    {
        var bytes = value.Literal ?? rendered![n];
        if (bytes is { Length: > 0 })
        {
            head.AddHeader(name, bytes);
        }
    }

    /// <summary>The values with variables, rendered (null where a value is literal). Only rules that use variables pay for this.</summary>
    private byte[]?[] Render(IHeaderValueSource? source, HttpHead? response)
    {
        var rendered = new byte[]?[_values.Length];
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i].Literal is null)
            {
                rendered[i] = Encoding.UTF8.GetBytes(_values[i].Render(source, response));
            }
        }

        return rendered;
    }

    private static bool Contains(byte[][] names, ReadOnlySpan<byte> name)
    {
        foreach (var candidate in names)
        {
            if (Ascii.EqualsIgnoreCase(name, candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsName((byte[] Name, HeaderValue Value)[] pairs, ReadOnlySpan<byte> name)
    {
        foreach (var (candidate, _) in pairs)
        {
            if (Ascii.EqualsIgnoreCase(name, candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Lower(string name) => Encoding.ASCII.GetBytes(name.ToLowerInvariant());

    private static (byte[], HeaderValue) Pair(KeyValuePair<string, string> pair) => (Lower(pair.Key), HeaderValue.Parse(pair.Value));
}
