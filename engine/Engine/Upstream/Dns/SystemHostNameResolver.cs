using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// The system resolver (getaddrinfo: /etc/hosts, then DNS as nsswitch.conf says), which is what
/// an application next to the sidecar would get for the same name. getaddrinfo gives no TTL, so
/// the TTL comes from asking the servers of /etc/resolv.conf directly (<see cref="DnsTtlProbe"/>),
/// except for a name the hosts file has: getaddrinfo answers it from there, and it has no TTL.
/// </summary>
internal sealed class SystemHostNameResolver : IHostNameResolver, IHostNameTtlSource
{
    public static readonly SystemHostNameResolver Instance = new();

    private readonly Lazy<DnsTtlProbe?> _ttls = new(() => ResolverConfig.FromSystem() is { } config ? new DnsTtlProbe(config) : null);

    private SystemHostNameResolver()
    {
    }

    public Task<TimeSpan?> TtlAsync(string name, CancellationToken cancellation)
        => _ttls.Value is { } probe && !HostsFile.Contains(name) && !IPAddress.TryParse(name, out _)
            ? probe.TtlAsync(name, cancellation)
            : Task.FromResult<TimeSpan?>(null);

    public IPAddress[] Resolve(string name) => System.Net.Dns.GetHostAddresses(name);

    public Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellation)
        => System.Net.Dns.GetHostAddressesAsync(name, cancellation);
}
