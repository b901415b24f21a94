using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Engine.Routing.Policies;
using Engine.Upstream;

namespace Engine.Proxy;

internal abstract partial class ProxyExchange
{
    /// <summary>How many tried endpoints a request remembers to avoid on retries (Envoy's previous_hosts).</summary>
    private protected const int RememberedEndpoints = 8;

    /// <summary>The endpoints a request already tried, without a heap allocation.</summary>
    [InlineArray(RememberedEndpoints)]
    private protected struct TriedEndpoints
    {
        private Endpoint? _first;
    }

    /// <summary>
    /// The endpoint for retry number <paramref name="retries"/> (1 and up): other hosts first
    /// when the policy says so (Envoy's previous_hosts), and with <c>retryRemoteLocalities</c>
    /// away from the priority levels already tried, as Envoy's previous_priorities with Istio's
    /// update frequency 2 decides: the first retry keeps the original levels, and every second one
    /// leaves out the levels of every host tried so far (<paramref name="excludedLevels"/> carries
    /// the choice between updates).
    /// </summary>
    private protected Endpoint? PickForRetry([NotNull] Cluster? cluster, RetryPolicy policy, ReadOnlySpan<Endpoint?> tried, int retries, ref ulong excludedLevels)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (policy.RetryRemoteLocalities && cluster.Localities is { } localities && retries % 2 == 0)
        {
            excludedLevels = localities.LevelsOf(tried[..Math.Min(retries, tried.Length)]);
        }

        return policy.AvoidsPreviousHosts(cluster.Hashing is not null)
            ? cluster.PickAvoiding(tried, _server.Random, _hash, excludedLevels)
            : cluster.Pick(_hash, excludedLevels: excludedLevels);
    }
}
