using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// The system resolver (getaddrinfo: /etc/hosts, then DNS as nsswitch.conf says), which is what
/// an application next to the sidecar would get for the same name.
/// </summary>
internal sealed class SystemHostNameResolver : IHostNameResolver
{
    public static readonly SystemHostNameResolver Instance = new();

    private SystemHostNameResolver()
    {
    }

    public IPAddress[] Resolve(string name) => System.Net.Dns.GetHostAddresses(name);

    public Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellation)
        => System.Net.Dns.GetHostAddressesAsync(name, cancellation);
}
