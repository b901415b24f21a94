namespace Engine.Config.Model;

/// <summary>
/// Base of every model record: where it was written. Records are immutable, so a validated
/// snapshot can be published with one reference write and shared by all requests.
/// (Named <c>Source</c> because <c>ServiceEntry.Location</c> is an Istio field.)
/// </summary>
internal abstract record ModelNode
{
    public SourceLocation Source { get; init; } = SourceLocation.None;
}
