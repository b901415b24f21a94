using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream.Locality;

/// <summary>
/// One of Envoy's priority levels: its localities; a balancer over all its endpoints, which is what
/// Envoy uses when the level is in panic (it stops weighing localities then); and, for a consistent
/// hash, the level's own table, so that a key picks among the level's endpoints only.
/// </summary>
internal sealed record PriorityLevel(Endpoint[] Endpoints, LocalityGroup[] Localities, ILoadBalancer Flat, ConsistentHashBalancer? HashTable);
