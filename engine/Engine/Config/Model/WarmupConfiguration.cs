namespace Engine.Config.Model;

/// <summary>Slow start for new endpoints (ROUND_ROBIN and LEAST_REQUEST only).</summary>
internal sealed record WarmupConfiguration : ModelNode
{
    public TimeSpan? Duration { get; init; }

    /// <summary>Null means 10.</summary>
    public double? MinimumPercent { get; init; }

    /// <summary>Null means 1.0.</summary>
    public double? Aggression { get; init; }
}
