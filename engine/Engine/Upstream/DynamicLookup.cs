namespace Engine.Upstream;

/// <summary>What <see cref="DynamicForwardProxy.Find"/> found for a request's host.</summary>
internal enum DynamicLookup
{
    /// <summary>The name has an address: forward to its cluster.</summary>
    Ready,

    /// <summary>The name's first lookup is running: wait for it (asynchronously), then look again.</summary>
    Pending,

    /// <summary>The name does not resolve: 503 with Envoy's DF flag, "DNS resolution failure".</summary>
    Failed,

    /// <summary>The cache holds its maximum of names: 503 "DNS cache overflow".</summary>
    Overflow,
}
