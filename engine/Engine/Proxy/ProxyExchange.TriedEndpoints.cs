using System.Runtime.CompilerServices;
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
}
