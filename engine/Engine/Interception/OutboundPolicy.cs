namespace Engine.Interception;

/// <summary>Istio's <c>outboundTrafficPolicy.mode</c>: what happens to traffic for destinations the registry does not know.</summary>
internal enum OutboundPolicy
{
    /// <summary>ALLOW_ANY (Istio's default): passed through to the original destination (PassthroughCluster).</summary>
    AllowAny,

    /// <summary>REGISTRY_ONLY: HTTP gets a local 502, other TCP is closed (BlackHoleCluster).</summary>
    RegistryOnly,
}
