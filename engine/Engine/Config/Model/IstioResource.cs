namespace Engine.Config.Model;

/// <summary>
/// A loaded resource: the document's apiVersion, kind and metadata around a typed spec.
/// <see cref="Source"/> is the document's file and first line.
/// </summary>
internal sealed record IstioResource<TSpec>(
    string ApiVersion,
    ResourceKind Kind,
    ResourceMetadata Metadata,
    TSpec Spec,
    SourceLocation Source)
    where TSpec : ModelNode
{
    public string Name => Metadata.Name;

    public string Namespace => Metadata.Namespace;

    /// <summary><c>Kind/namespace/name</c>, used in diagnostics and duplicate detection.</summary>
    public string DisplayName => $"{Kind}/{Metadata.Namespace}/{Metadata.Name}";
}
