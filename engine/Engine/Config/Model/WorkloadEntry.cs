namespace Engine.Config.Model;

/// <summary>An endpoint: standalone resource or inline in <see cref="ServiceEntry.Endpoints"/>.</summary>
internal sealed record WorkloadEntry : ModelNode
{
    /// <summary>IP, host name (DNS resolution) or <c>unix://</c> path.</summary>
    public string Address { get; init; } = "";

    /// <summary>Service port name → endpoint port.</summary>
    public OrderedMap<uint> Ports { get; init; } = OrderedMap<uint>.Empty;

    public OrderedMap<string> Labels { get; init; } = OrderedMap<string>.Empty;

    public string Network { get; init; } = "";

    /// <summary><c>region/zone/subzone</c>.</summary>
    public string Locality { get; init; } = "";

    /// <summary>0 means 1.</summary>
    public uint Weight { get; init; }

    public string ServiceAccount { get; init; } = "";
}
