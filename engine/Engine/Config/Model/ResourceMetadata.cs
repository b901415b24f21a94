namespace Engine.Config.Model;

/// <summary>Kubernetes object metadata we use; other metadata fields are tolerated and dropped.</summary>
internal sealed record ResourceMetadata : ModelNode
{
    public string Name { get; init; } = "";

    /// <summary>As written, or the loader's default namespace when absent.</summary>
    public string Namespace { get; init; } = "";

    public OrderedMap<string> Labels { get; init; } = OrderedMap<string>.Empty;

    public OrderedMap<string> Annotations { get; init; } = OrderedMap<string>.Empty;

    /// <summary>Orders VirtualServices for the same host (oldest wins); null when absent.</summary>
    public DateTimeOffset? CreationTimestamp { get; init; }
}
