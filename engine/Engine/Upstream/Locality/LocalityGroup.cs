using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream.Locality;

/// <summary>
/// The endpoints of one locality within a priority level (Envoy's <c>LocalityLbEndpoints</c>), the
/// balancer that picks among them, and the locality's weight: the sum of its endpoints' weights, as
/// Istio sends it, or what a <c>distribute</c> rule gives it.
/// </summary>
internal sealed record LocalityGroup(LocalityName Name, Endpoint[] Endpoints, ILoadBalancer Balancer, long Weight);
