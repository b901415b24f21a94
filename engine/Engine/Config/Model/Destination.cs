namespace Engine.Config.Model;

/// <summary>A service (and optional subset and port) a route sends to; <see cref="Host"/> may be a short name.</summary>
internal sealed record Destination : ModelNode
{
    public string Host { get; init; } = "";

    /// <summary>Empty when no subset was given. An unknown subset is a runtime 503 (NC), not a config error.</summary>
    public string Subset { get; init; } = "";

    public PortSelector? Port { get; init; }
}
