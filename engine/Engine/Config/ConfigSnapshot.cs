using System.Collections.Immutable;
using Engine.Config.Model;

namespace Engine.Config;

/// <summary>
/// A complete, validated, immutable configuration: what the routing compiler and upstream layer
/// compile from, published with one reference write. Resources are in load order (files sorted
/// by path, documents in file order).
/// </summary>
internal sealed record ConfigSnapshot(
    ImmutableArray<IstioResource<VirtualService>> VirtualServices,
    ImmutableArray<IstioResource<DestinationRule>> DestinationRules,
    ImmutableArray<IstioResource<ServiceEntry>> ServiceEntries,
    ImmutableArray<IstioResource<WorkloadEntry>> WorkloadEntries,
    ImmutableArray<string> Files,
    string DefaultNamespace)
{
    public static ConfigSnapshot Empty(string defaultNamespace) => new([], [], [], [], [], defaultNamespace);

    public int ResourceCount => VirtualServices.Length + DestinationRules.Length + ServiceEntries.Length + WorkloadEntries.Length;
}
