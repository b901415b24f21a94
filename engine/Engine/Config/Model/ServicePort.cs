namespace Engine.Config.Model;

/// <summary>A port of a ServiceEntry; <see cref="Protocol"/> is kept as written (matched case-insensitively).</summary>
internal sealed record ServicePort : ModelNode
{
    public uint Number { get; init; }

    public string Protocol { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>0 means <see cref="Number"/>.</summary>
    public uint TargetPort { get; init; }
}
