using System.Net;

namespace Engine.Upstream.Dns;

/// <summary>
/// The last good addresses of a name (what its endpoints are built from) and, when the latest
/// lookup failed, why. A failed lookup never replaces good addresses (Envoy keeps the hosts of a
/// DNS cluster when a re-resolution fails).
/// </summary>
internal sealed record DnsAnswer(IPAddress[] Addresses, string? Error, DateTimeOffset At)
{
    public bool Failed => Error is not null;

    /// <summary>The TTL of the name's record at the last lookup, when one is known (<see cref="IHostNameTtlSource"/>).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The TTL was asked for (a name just looked up for a configuration has not been yet).</summary>
    public bool TtlAsked { get; init; }

    /// <summary>
    /// Envoy's lookup family for Istio's DNS clusters is IPv4 on an IPv4 pod; a sidecar without a
    /// pod IP keeps the IPv4 addresses when there are any and the IPv6 ones otherwise (V4_PREFERRED).
    /// STRICT_DNS addresses are sorted so that a server rotating its answer is not a change;
    /// LOGICAL_DNS keeps the answer's first address only.
    /// </summary>
    public static IPAddress[] Normalize(IPAddress[] resolved, bool firstOnly)
    {
        var v4 = resolved.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToArray();
        var chosen = v4.Length > 0 ? v4 : resolved.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).ToArray();
        if (firstOnly)
        {
            return chosen.Length == 0 ? [] : [chosen[0]];
        }

        return chosen.Distinct().OrderBy(a => a.AddressFamily).ThenBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
    }

    public static bool SameAddresses(IPAddress[] a, IPAddress[] b) => a.AsSpan().SequenceEqual(b);

    public static string Format(IPAddress[] addresses) => addresses.Length == 0 ? "nothing" : string.Join(", ", addresses.Select(a => a.ToString()));
}
