using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>Policies for a destination; a matching port-level entry replaces the top level entirely.</summary>
internal sealed record TrafficPolicy : ModelNode
{
    public LoadBalancerSettings? LoadBalancer { get; init; }

    public ConnectionPoolSettings? ConnectionPool { get; init; }

    public OutlierDetection? OutlierDetection { get; init; }

    public ClientTlsSettings? Tls { get; init; }

    public ImmutableArray<PortTrafficPolicy> PortLevelSettings { get; init; } = [];

    public TunnelSettings? Tunnel { get; init; }

    public ProxyProtocol? ProxyProtocol { get; init; }

    public RetryBudget? RetryBudget { get; init; }
}

/// <summary>Per-port override of the four main policies.</summary>
internal sealed record PortTrafficPolicy : ModelNode
{
    public PortSelector? Port { get; init; }

    public LoadBalancerSettings? LoadBalancer { get; init; }

    public ConnectionPoolSettings? ConnectionPool { get; init; }

    public OutlierDetection? OutlierDetection { get; init; }

    public ClientTlsSettings? Tls { get; init; }
}
