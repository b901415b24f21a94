using System.Collections.Immutable;

namespace Engine.Config.Yaml;

/// <summary>A sequence (list) with its items in document order.</summary>
internal sealed class YamlSequence : YamlNode
{
    public YamlSequence(ImmutableArray<YamlNode> items, int line, int column)
        : base(line, column)
    {
        Items = items;
    }

    public ImmutableArray<YamlNode> Items { get; }

    public override string Description => "a list";
}
