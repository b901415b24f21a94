using System.Collections.Immutable;
using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>Repeated and map fields. Items that fail to bind are reported and left out.</summary>
internal sealed partial class FieldReader
{
    public string? String(YamlField f) => _ctx.String(f.Value, f.Path);

    public ImmutableArray<string> StringList(YamlField f)
        => Items(f, (node, path) => _ctx.String(node, path));

    public ImmutableArray<uint> UInt32List(YamlField f)
    {
        var values = ImmutableArray.CreateBuilder<uint>();
        foreach (var (node, path) in Sequence(f))
        {
            if (_ctx.UInt32(node, path) is { } value)
            {
                values.Add(value);
            }
        }

        return values.ToImmutable();
    }

    public T? Message<T>(YamlField f, MessageBinder<T> bind)
        where T : class
        => bind(_ctx, f.Value, f.Path, f.Key);

    public ImmutableArray<T> MessageList<T>(YamlField f, MessageBinder<T> bind)
        where T : class
        => Items(f, (node, path) => bind(_ctx, node, path, node));

    public OrderedMap<string> StringMap(YamlField f)
        => Map(f, (node, path, _) => _ctx.String(node, path));

    public OrderedMap<uint> UInt32Map(YamlField f)
    {
        var entries = new List<KeyValuePair<string, uint>>();
        foreach (var (key, node, path) in Mapping(f))
        {
            if (_ctx.UInt32(node, path) is { } value)
            {
                entries.Add(new(key.Value, value));
            }
        }

        return entries.Count == 0 ? OrderedMap<uint>.Empty : new OrderedMap<uint>(entries);
    }

    public OrderedMap<T> MessageMap<T>(YamlField f, MessageBinder<T> bind)
        where T : class
        => Map(f, (node, path, key) => bind(_ctx, node, path, key));

    private ImmutableArray<T> Items<T>(YamlField f, Func<YamlNode, string, T?> item)
        where T : class
    {
        var values = ImmutableArray.CreateBuilder<T>();
        foreach (var (node, path) in Sequence(f))
        {
            if (item(node, path) is { } value)
            {
                values.Add(value);
            }
        }

        return values.ToImmutable();
    }

    private OrderedMap<T> Map<T>(YamlField f, Func<YamlNode, string, YamlScalar, T?> value)
        where T : class
    {
        var entries = new List<KeyValuePair<string, T>>();
        foreach (var (key, node, path) in Mapping(f))
        {
            if (value(node, path, key) is { } v)
            {
                entries.Add(new(key.Value, v));
            }
        }

        return entries.Count == 0 ? OrderedMap<T>.Empty : new OrderedMap<T>(entries);
    }

    /// <summary>Items of a list field with their paths; null items are errors (protobuf has no null elements).</summary>
    private IEnumerable<(YamlNode Node, string Path)> Sequence(YamlField f)
    {
        switch (f.Value)
        {
            case YamlScalar { IsNull: true }:
                yield break;
            case YamlSequence sequence:
                for (var i = 0; i < sequence.Items.Length; i++)
                {
                    var item = sequence.Items[i];
                    var relative = $"{f.Name}[{i}]";
                    var path = SourceLocation.Join(Path, relative);
                    Mark(relative, item);
                    if (item is YamlScalar { IsNull: true })
                    {
                        _ctx.Error(item, path, "list items must not be null");
                        continue;
                    }

                    yield return (item, path);
                }

                break;
            default:
                _ctx.Error(f.Value, f.Path, $"expected a list, got {f.Value.Description}");
                break;
        }
    }

    /// <summary>Entries of a map field with their paths; duplicate keys and null values are errors.</summary>
    private IEnumerable<(YamlScalar Key, YamlNode Node, string Path)> Mapping(YamlField f)
    {
        switch (f.Value)
        {
            case YamlScalar { IsNull: true }:
                yield break;
            case YamlMapping mapping:
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Entries)
                {
                    var relative = SourceLocation.Join(f.Name, SourceLocation.KeySegment(key.Value));
                    var path = SourceLocation.Join(Path, relative);
                    if (!seen.TryAdd(key.Value, key.Line))
                    {
                        _ctx.Error(key, path, $"duplicate key \"{key.Value}\" (already set on line {seen[key.Value]})");
                        continue;
                    }

                    Mark(relative, key);
                    if (value is YamlScalar { IsNull: true })
                    {
                        _ctx.Error(value, path, "map values must not be null");
                        continue;
                    }

                    yield return (key, value, path);
                }

                break;
            default:
                _ctx.Error(f.Value, f.Path, $"expected a mapping, got {f.Value.Description}");
                break;
        }
    }
}
