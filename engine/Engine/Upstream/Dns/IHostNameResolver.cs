using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// Turns a host name into addresses (getaddrinfo in production; a table in tests, the way
/// <see cref="IRandomSource"/> and <see cref="TimeProvider"/> are injected). Throws when the name
/// does not resolve; never called on an event-loop thread.
/// </summary>
internal interface IHostNameResolver
{
    /// <summary>At configuration load, which already runs off the request path.</summary>
    IPAddress[] Resolve(string name);

    /// <summary>Background refreshes and DYNAMIC_DNS lookups.</summary>
    Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellation);
}
