using System.Runtime.CompilerServices;
using Engine.Upstream;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    /// <summary>How many tried endpoints a request remembers to avoid on retries (Envoy's previous_hosts).</summary>
    private const int RememberedEndpoints = 8;

    /// <summary>The endpoints a request already tried, without a heap allocation.</summary>
    [InlineArray(RememberedEndpoints)]
    private struct TriedEndpoints
    {
        private Endpoint? _first;
    }
}
