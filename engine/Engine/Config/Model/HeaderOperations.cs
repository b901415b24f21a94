using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>
/// <c>set</c> overwrites, <c>add</c> appends, <c>remove</c> deletes (Envoy applies removes first).
/// <c>:authority</c>/<c>host</c> in request set/add is a host rewrite, not a header edit.
/// </summary>
internal sealed record HeaderOperations : ModelNode
{
    public OrderedMap<string> Set { get; init; } = OrderedMap<string>.Empty;

    public OrderedMap<string> Add { get; init; } = OrderedMap<string>.Empty;

    public ImmutableArray<string> Remove { get; init; } = [];
}
