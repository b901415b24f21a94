namespace Engine.Config.Yaml;

/// <summary>How a scalar was written; plain scalars are the only ones that can mean null.</summary>
internal enum YamlScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}
