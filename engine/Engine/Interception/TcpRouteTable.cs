using System.Collections.Frozen;

namespace Engine.Interception;

/// <summary>The <c>tcp[]</c> rules of every VirtualService that applies to the sidecar, by service host; immutable.</summary>
internal sealed class TcpRouteTable
{
    private readonly FrozenDictionary<string, TcpRouteRule[]> _byHost;

    public TcpRouteTable(IReadOnlyDictionary<string, TcpRouteRule[]> byHost)
        => _byHost = byHost.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static TcpRouteTable Empty { get; } = new(new Dictionary<string, TcpRouteRule[]>());

    /// <summary>The rules for a service host, in order (empty: the service's default cluster).</summary>
    public TcpRouteRule[] For(string host) => _byHost.GetValueOrDefault(host) ?? [];
}
