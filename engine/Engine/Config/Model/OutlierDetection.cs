using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>
/// Passive health checking. The wrapper-typed counters are nullable because presence matters:
/// <c>consecutive5xxErrors: 0</c> disables the check while an absent value means 5.
/// </summary>
internal sealed record OutlierDetection : ModelNode
{
    /// <summary>Deprecated and ignored by current Istio.</summary>
    public int? ConsecutiveErrors { get; init; }

    public bool SplitExternalLocalOriginErrors { get; init; }

    public uint? ConsecutiveLocalOriginFailures { get; init; }

    public uint? ConsecutiveGatewayErrors { get; init; }

    public uint? Consecutive5xxErrors { get; init; }

    public TimeSpan? Interval { get; init; }

    public TimeSpan? BaseEjectionTime { get; init; }

    /// <summary>0 means 10.</summary>
    public int MaxEjectionPercent { get; init; }

    public int MinHealthPercent { get; init; }

    /// <summary>HTTP statuses that count as errors; empty means 5xx.</summary>
    public ImmutableArray<uint> OutlierDetectionHttpErrorCodes { get; init; } = [];
}
