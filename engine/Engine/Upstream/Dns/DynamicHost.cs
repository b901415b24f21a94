using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// One name in the DYNAMIC_DNS cache (Envoy's dynamic forward proxy DNS cache entry): the address
/// requests for it go to, once its first lookup has finished. Like Envoy's cache it holds one
/// address per name (the first of the answer, IPv4 preferred), refreshed in the background.
/// </summary>
internal sealed class DynamicHost
{
    private IPAddress? _address;
    private long _lastUsed;

    public DynamicHost(string name, long now)
    {
        Name = name;
        _lastUsed = now;
    }

    public string Name { get; }

    /// <summary>The address to connect to; null until a lookup succeeded (then 503 DF).</summary>
    public IPAddress? Address => Volatile.Read(ref _address);

    /// <summary>Completes (never faults) when the first lookup has an outcome; requests that found the name pending wait on it.</summary>
    public Task FirstLookup { get; init; } = Task.CompletedTask;

    /// <summary>Why the latest lookup failed, or null.</summary>
    public string? Error { get; set; }

    /// <summary>Environment.TickCount64 of the last request for the name (unused names expire).</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    public void Touch(long now)
    {
        // Most requests find the stamp fresh to the second: skip the shared write.
        if (now - Volatile.Read(ref _lastUsed) > 1000)
        {
            Volatile.Write(ref _lastUsed, now);
        }
    }

    public void SetAddress(IPAddress? address) => Volatile.Write(ref _address, address);

    // The refresher's bookkeeping (written by the lookups, which the refresher runs one at a time
    // per name, after the first one has completed).

    /// <summary>When the latest lookup ended (the cache's TimeProvider).</summary>
    public DateTimeOffset LookedUpAt { get; set; }

    /// <summary>The TTL of the name's record at the latest lookup that asked, when one is known.</summary>
    public TimeSpan? Ttl { get; set; }

    /// <summary>A lookup asked for the TTL (the first one does not: a request waits for it).</summary>
    public bool TtlAsked { get; set; }
}
