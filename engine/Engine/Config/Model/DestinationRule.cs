using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>istio.networking.v1alpha3.DestinationRule: policies applied after routing.</summary>
internal sealed record DestinationRule : ModelNode
{
    /// <summary>May be a short name or a wildcard; the most specific rule wins.</summary>
    public string Host { get; init; } = "";

    public TrafficPolicy? TrafficPolicy { get; init; }

    public ImmutableArray<Subset> Subsets { get; init; } = [];

    public ImmutableArray<string> ExportTo { get; init; } = [];

    /// <summary>Written as <c>workloadSelector.matchLabels</c>.</summary>
    public WorkloadSelector? WorkloadSelector { get; init; }
}
