using System.Collections.Immutable;

namespace Engine.Config.Yaml;

/// <summary>A key/value pair of a mapping; keys are always scalars (complex keys are rejected).</summary>
internal readonly record struct YamlMappingEntry(YamlScalar Key, YamlNode Value);

/// <summary>A mapping with its entries in document order (duplicates are kept for the binder to report).</summary>
internal sealed class YamlMapping : YamlNode
{
    public YamlMapping(ImmutableArray<YamlMappingEntry> entries, int line, int column)
        : base(line, column)
    {
        Entries = entries;
    }

    public ImmutableArray<YamlMappingEntry> Entries { get; }

    public override string Description => "a mapping";
}
