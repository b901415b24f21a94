using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Upstream.Dns;

/// <summary>
/// The two DNS caches a sidecar keeps across configurations: names of DNS/DNS_ROUND_ROBIN clusters
/// (<see cref="Static"/>) and names asked of DYNAMIC_DNS clusters (<see cref="Dynamic"/>).
/// </summary>
internal sealed class DnsServices
{
    public DnsServices(IHostNameResolver resolver, ILogger logger, TimeProvider time)
    {
        Static = new DnsCache(resolver, logger, time);
        Dynamic = new DynamicHostCache(resolver, logger, time: time);
    }

    public DnsCache Static { get; }

    public DynamicHostCache Dynamic { get; }

    /// <summary>The system resolver, logging nowhere (tools and benchmarks that only compile configurations).</summary>
    public static DnsServices CreateDefault(TimeProvider time) => new(SystemHostNameResolver.Instance, NullLogger.Instance, time);
}
