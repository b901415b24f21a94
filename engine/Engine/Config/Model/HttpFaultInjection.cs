namespace Engine.Config.Model;

/// <summary>Client-side fault injection: delay then abort, independent draws.</summary>
internal sealed record HttpFaultInjection : ModelNode
{
    public FaultDelay? Delay { get; init; }

    public FaultAbort? Abort { get; init; }
}

/// <summary>Delay before forwarding. With neither percentage nor percent the delay never fires.</summary>
internal sealed record FaultDelay : ModelNode
{
    public TimeSpan? FixedDelay { get; init; }

    /// <summary>Accepted by the schema but rejected by validation (Istio never implemented it).</summary>
    public TimeSpan? ExponentialDelay { get; init; }

    /// <summary>Deprecated integer percentage, used only when <see cref="Percentage"/> is absent.</summary>
    public int? Percent { get; init; }

    public double? Percentage { get; init; }
}

/// <summary>Local error reply instead of forwarding; the error members are a oneof.</summary>
internal sealed record FaultAbort : ModelNode
{
    public int? HttpStatus { get; init; }

    /// <summary>Upper-case gRPC status name such as <c>UNAVAILABLE</c>.</summary>
    public string? GrpcStatus { get; init; }

    public string? Http2Error { get; init; }

    /// <summary>Null: the abort never fires.</summary>
    public double? Percentage { get; init; }
}
