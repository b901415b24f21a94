namespace Engine.Config.Model;

/// <summary>Tunnel TCP over HTTP CONNECT or POST.</summary>
internal sealed record TunnelSettings : ModelNode
{
    /// <summary><c>CONNECT</c> (default when empty) or <c>POST</c>.</summary>
    public string Protocol { get; init; } = "";

    public string TargetHost { get; init; } = "";

    public uint TargetPort { get; init; }
}

/// <summary>Upstream PROXY protocol.</summary>
internal sealed record ProxyProtocol : ModelNode
{
    public ProxyProtocolVersion Version { get; init; }
}

/// <summary>TrafficPolicy.ProxyProtocol.VERSION.</summary>
internal enum ProxyProtocolVersion
{
    V1 = 0,
    V2 = 1,
}

/// <summary>Retry admission as a share of active requests (replaces maxRetries).</summary>
internal sealed record RetryBudget : ModelNode
{
    /// <summary>Null means 20.</summary>
    public double? Percent { get; init; }

    /// <summary>Null means 3.</summary>
    public uint? MinRetryConcurrency { get; init; }

    public TimeSpan? BudgetInterval { get; init; }
}
