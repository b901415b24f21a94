namespace Engine.Config.Yaml;

/// <summary>
/// One node of the small, immutable YAML tree the binder walks. We build our own tree from
/// YamlDotNet's event parser because the reflection-based deserializer is banned on the AOT path,
/// and because every node must keep the 1-based line/column it started at for diagnostics.
/// </summary>
internal abstract class YamlNode
{
    protected YamlNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }

    /// <summary>Human words for type-mismatch messages: "a mapping", "a list", "a string".</summary>
    public abstract string Description { get; }
}
