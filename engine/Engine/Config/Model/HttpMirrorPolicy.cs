namespace Engine.Config.Model;

/// <summary>One entry of <c>mirrors</c>: fire-and-forget copy to <see cref="Destination"/>.</summary>
internal sealed record HttpMirrorPolicy : ModelNode
{
    public Destination? Destination { get; init; }

    /// <summary>Null means 100.</summary>
    public double? Percentage { get; init; }
}
