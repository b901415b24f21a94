using System.Collections.Concurrent;
using System.Net;
using Engine.Upstream.Dns;

namespace Engine.Tests.Upstream.Dns;

/// <summary>A <see cref="TableResolver"/> whose names also have TTLs, as the system resolver's (from its name servers) do.</summary>
internal sealed class TtlResolver(TableResolver table) : IHostNameResolver, IHostNameTtlSource
{
    public ConcurrentDictionary<string, TimeSpan> Ttls { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IPAddress[] Resolve(string name) => table.Resolve(name);

    public Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellation) => table.ResolveAsync(name, cancellation);

    public Task<TimeSpan?> TtlAsync(string name, CancellationToken cancellation)
        => Task.FromResult(Ttls.TryGetValue(name, out var ttl) ? ttl : (TimeSpan?)null);
}
