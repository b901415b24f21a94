namespace Engine.Config.Model;

/// <summary>Port of the destination service.</summary>
internal sealed record PortSelector : ModelNode
{
    public uint Number { get; init; }
}
