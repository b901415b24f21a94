using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>istio.networking.v1alpha3.ServiceEntry: adds services (and their endpoints) to the registry.</summary>
internal sealed record ServiceEntry : ModelNode
{
    public ImmutableArray<string> Hosts { get; init; } = [];

    /// <summary>VIPs or CIDRs.</summary>
    public ImmutableArray<string> Addresses { get; init; } = [];

    public ImmutableArray<ServicePort> Ports { get; init; } = [];

    public ServiceEntryLocation Location { get; init; }

    public ServiceEntryResolution Resolution { get; init; }

    public ImmutableArray<WorkloadEntry> Endpoints { get; init; } = [];

    public WorkloadSelector? WorkloadSelector { get; init; }

    public ImmutableArray<string> ExportTo { get; init; } = [];

    public ImmutableArray<string> SubjectAltNames { get; init; } = [];
}

/// <summary>ServiceEntry.Location.</summary>
internal enum ServiceEntryLocation
{
    MeshExternal = 0,
    MeshInternal = 1,
}

/// <summary>ServiceEntry.Resolution.</summary>
internal enum ServiceEntryResolution
{
    None = 0,
    Static = 1,
    Dns = 2,
    DnsRoundRobin = 3,
    DynamicDns = 4,
}
