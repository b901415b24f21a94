namespace Engine.Config.Model;

/// <summary>The kinds the sidecar consumes; other kinds are skipped with a warning.</summary>
internal enum ResourceKind
{
    VirtualService,
    DestinationRule,
    ServiceEntry,
    WorkloadEntry,
}
