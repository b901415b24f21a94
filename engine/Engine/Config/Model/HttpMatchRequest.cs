using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>
/// One match block; all present conditions are ANDed. <see cref="Port"/>, <see cref="SourceLabels"/>,
/// <see cref="SourceNamespace"/> and <see cref="Gateways"/> are static filters, not runtime matches.
/// </summary>
internal sealed record HttpMatchRequest : ModelNode
{
    public string Name { get; init; } = "";

    public StringMatch? Uri { get; init; }

    public StringMatch? Scheme { get; init; }

    public StringMatch? Method { get; init; }

    public StringMatch? Authority { get; init; }

    /// <summary>Header name → match, in document order; <see cref="StringMatchKind.Presence"/> for <c>{}</c>.</summary>
    public OrderedMap<StringMatch> Headers { get; init; } = OrderedMap<StringMatch>.Empty;

    /// <summary>0 when not set.</summary>
    public uint Port { get; init; }

    public OrderedMap<string> SourceLabels { get; init; } = OrderedMap<string>.Empty;

    public ImmutableArray<string> Gateways { get; init; } = [];

    public OrderedMap<StringMatch> QueryParams { get; init; } = OrderedMap<StringMatch>.Empty;

    public bool IgnoreUriCase { get; init; }

    public OrderedMap<StringMatch> WithoutHeaders { get; init; } = OrderedMap<StringMatch>.Empty;

    public string SourceNamespace { get; init; } = "";

    public string StatPrefix { get; init; } = "";
}
