using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// One compiled <c>headers.request</c> or <c>headers.response</c> block: removes, then sets, then
/// adds, applied to a head in its arena (Envoy evaluates removes before adds). <c>set</c>
/// replaces every line of the name; <c>add</c> appends a line. Values are literals with Envoy's
/// <c>%%</c> escape undone; Envoy's other <c>%VARIABLE%</c> substitutions are not expanded.
/// </summary>
internal sealed class HeaderEdits
{
    public static readonly HeaderEdits None = new([], [], []);

    private readonly byte[][] _remove;
    private readonly (byte[] Name, byte[] Value)[] _set;
    private readonly (byte[] Name, byte[] Value)[] _add;

    public HeaderEdits(IEnumerable<string> remove, IEnumerable<KeyValuePair<string, string>> set, IEnumerable<KeyValuePair<string, string>> add)
    {
        _remove = remove.Select(Lower).ToArray();
        _set = set.Select(Pair).ToArray();
        _add = add.Select(Pair).ToArray();
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
            yield return $"set {Encoding.ASCII.GetString(name)}: {Encoding.UTF8.GetString(value)}";
        }

        foreach (var (name, value) in _add)
        {
            yield return $"add {Encoding.ASCII.GetString(name)}: {Encoding.UTF8.GetString(value)}";
        }
    }

    public void Apply(HttpHead head)
    {
        if (IsEmpty)
        {
            return;
        }

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

        foreach (var (name, value) in _set)
        {
            head.AddHeader(name, value);
        }

        foreach (var (name, value) in _add)
        {
            head.AddHeader(name, value);
        }
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

    private static bool ContainsName((byte[] Name, byte[] Value)[] pairs, ReadOnlySpan<byte> name)
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

    private static (byte[], byte[]) Pair(KeyValuePair<string, string> pair)
        => (Lower(pair.Key), Encoding.UTF8.GetBytes(pair.Value.Replace("%%", "%", StringComparison.Ordinal)));
}
