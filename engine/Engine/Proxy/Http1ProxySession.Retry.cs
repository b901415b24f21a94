using System.Runtime.CompilerServices;
using Engine.Upstream;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    /// <summary>
    /// Istio's default retry policy when a route has none (istio-semantics.md §3.10): two retries
    /// on connect failure (among other causes), each to a host not tried yet, with Envoy's fully
    /// jittered back-off (25 ms base, 250 ms cap).
    /// </summary>
    private const int DefaultRetries = 2;
    private const int BackoffBaseMs = 25;
    private const int BackoffMaxMs = 250;

    /// <summary>Envoy's back-off: uniform in [0, (2^n − 1) × base), capped at 10 × base.</summary>
    private TimeSpan Backoff(int retry)
    {
        var ceiling = Math.Min(((1 << Math.Min(retry, 10)) - 1) * BackoffBaseMs, BackoffMaxMs);
        return TimeSpan.FromMilliseconds(_server.Random.Next(Math.Max(ceiling, 1)));
    }

    /// <summary>The endpoints a request already tried (one per attempt), without a heap allocation.</summary>
    [InlineArray(DefaultRetries + 1)]
    private struct TriedEndpoints
    {
        private Endpoint? _first;
    }
}
