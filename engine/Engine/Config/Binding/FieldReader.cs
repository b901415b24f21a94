using System.Collections.Frozen;
using System.Text;
using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>A field of a message being bound: canonical (lowerCamelCase) name, key as written, value, full path.</summary>
internal readonly record struct YamlField(string Name, YamlScalar Key, YamlNode Value, string Path);

/// <summary>
/// Reads the fields of one protobuf message written as a YAML mapping. Field names are accepted in
/// lowerCamelCase (the JSON name) and proto snake_case (<c>prefix_rewrite</c>), as protojson does;
/// duplicates and unknown fields are errors. It also records where each field and list item was
/// written so the built record's <see cref="SourceLocation"/> can point at them.
/// </summary>
internal sealed partial class FieldReader
{
    private readonly BindContext _ctx;
    private readonly YamlMapping _node;
    private readonly YamlNode _anchor;
    private readonly Dictionary<string, (int Line, int Column)> _marks = new(StringComparer.Ordinal);

    private FieldReader(BindContext ctx, YamlMapping node, string path, YamlNode anchor)
    {
        _ctx = ctx;
        _node = node;
        Path = path;
        _anchor = anchor;
    }

    public string Path { get; }

    public BindContext Context => _ctx;

    /// <summary>
    /// Starts reading a message. Returns null (after an error for wrong node types) when the value
    /// is absent, null or not a mapping. <paramref name="anchor"/> is the node the record's location
    /// points at (the field key or list item); defaults to the mapping itself.
    /// </summary>
    public static FieldReader? Open(BindContext ctx, YamlNode node, string path, YamlNode? anchor = null)
    {
        switch (node)
        {
            case YamlMapping mapping:
                return new FieldReader(ctx, mapping, path, anchor ?? node);
            case YamlScalar { IsNull: true }:
                return null;
            default:
                ctx.Error(node, path, $"expected a mapping, got {node.Description}");
                return null;
        }
    }

    /// <summary>The fields in document order; duplicates (also camelCase vs snake_case spellings) are reported and skipped.</summary>
    public IEnumerable<YamlField> Fields()
    {
        var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var (key, value) in _node.Entries)
        {
            var name = CanonicalName(key.Value);
            var path = SourceLocation.Join(Path, name);
            if (seen.TryGetValue(name, out var first))
            {
                _ctx.Error(key, path, $"duplicate field \"{key.Value}\" (already set on line {first.Line})");
                continue;
            }

            seen[name] = key;
            _marks[name] = (key.Line, key.Column);
            yield return new YamlField(name, key, value, path);
        }
    }

    public void Unknown(YamlField field)
        => _ctx.Error(
            field.Key,
            SourceLocation.Join(Path, field.Key.Value),
            field.Key.Value == "<<" ? "YAML merge keys (<<) are not supported; repeat the fields or use an alias for the whole value" : $"unknown field \"{field.Key.Value}\"");

    /// <summary>Records where a nested element (list item, map entry) was written, relative to this message.</summary>
    public void Mark(string relativePath, YamlNode node) => _marks[relativePath] = (node.Line, node.Column);

    /// <summary>Reports that two members of a protobuf oneof were both set.</summary>
    public void OneofConflict(YamlField field, string first)
        => _ctx.Error(field.Key, field.Path, $"only one of {first} and {field.Name} may be set");

    public SourceLocation Location()
        => new(_ctx.File, _anchor.Line, _anchor.Column, Path) { Marks = _marks.ToFrozenDictionary(StringComparer.Ordinal) };

    /// <summary>protoc's JSON name: <c>consecutive_5xx_errors</c> → <c>consecutive5xxErrors</c>.</summary>
    public static string CanonicalName(string key)
    {
        if (!key.Contains('_', StringComparison.Ordinal))
        {
            return key;
        }

        var sb = new StringBuilder(key.Length);
        var upper = false;
        foreach (var c in key)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return sb.ToString();
    }
}
