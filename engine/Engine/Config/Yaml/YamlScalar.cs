namespace Engine.Config.Yaml;

/// <summary>A scalar exactly as written (no type resolution: the binder decides per field).</summary>
internal sealed class YamlScalar : YamlNode
{
    public YamlScalar(string value, YamlScalarStyle style, string? tag, int line, int column)
        : base(line, column)
    {
        Value = value;
        Style = style;
        Tag = tag;
    }

    public string Value { get; }

    public YamlScalarStyle Style { get; }

    /// <summary>Explicit tag such as <c>tag:yaml.org,2002:str</c>, or null when none was written.</summary>
    public string? Tag { get; }

    /// <summary>
    /// YAML null: an empty plain scalar, <c>~</c> or <c>null</c> (any case the 1.2 core schema
    /// allows), unless an explicit tag says otherwise. <c>key:</c> with no value is null, and
    /// Kubernetes treats a null field as absent, so the binder does too.
    /// </summary>
    public bool IsNull =>
        Style == YamlScalarStyle.Plain
        && (Tag is null || Tag == "tag:yaml.org,2002:null")
        && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Description => IsNull ? "null" : $"the scalar \"{Value}\"";
}
