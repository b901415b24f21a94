namespace Engine.Config.Model;

/// <summary>Reference from a root rule to a delegate VirtualService; namespace defaults to the root's.</summary>
internal sealed record Delegate : ModelNode
{
    public string Name { get; init; } = "";

    public string Namespace { get; init; } = "";
}
