namespace Engine.Config;

/// <summary>
/// Istio host-name rules (istio/istio <c>pkg/config/host/name.go</c> and
/// <c>ResolveShortnameToFQDN</c>): short-name expansion, wildcard matching and "most specific"
/// selection. All comparisons ignore ASCII case, as DNS does.
/// </summary>
internal static class IstioHost
{
    /// <summary>The reserved gateway name that means "all sidecars".</summary>
    public const string MeshGateway = "mesh";

    /// <summary>Istio's default DNS suffix (and trust domain).</summary>
    public const string DefaultDomainSuffix = "cluster.local";

    /// <summary>
    /// Expands a name without a dot with the namespace of the config object that wrote it:
    /// <c>reviews</c> in <c>default</c> becomes <c>reviews.default.svc.cluster.local</c>. Names with a
    /// dot, <c>*</c> and IP addresses are left alone. The result is lower-case.
    /// </summary>
    public static string ResolveShortName(string host, string configNamespace, string domainSuffix = DefaultDomainSuffix)
    {
        if (host.Length == 0 || host == "*" || NetAddress.IsIp(host) || host.Contains('.', StringComparison.Ordinal))
        {
            return host.ToLowerInvariant();
        }

        var fqdn = host;
        if (configNamespace.Length > 0)
        {
            fqdn += "." + configNamespace;
        }

        if (domainSuffix.Length > 0)
        {
            fqdn += ".svc." + domainSuffix;
        }

        return fqdn.ToLowerInvariant();
    }

    /// <summary>True for <c>*</c> and <c>*.suffix</c> (any name starting with <c>*</c>).</summary>
    public static bool IsWildcard(string host) => host.StartsWith('*');

    /// <summary>
    /// Istio's symmetric <c>Name.Matches</c>: equal names; a wildcard matches any name ending in the
    /// part after its <c>*</c> (<c>*.foo.com</c> matches <c>a.foo.com</c> but not <c>foo.com</c>;
    /// <c>*</c> matches all); two wildcards match when one suffix ends with the other.
    /// </summary>
    public static bool Matches(string a, string b)
    {
        var aWild = IsWildcard(a);
        var bWild = IsWildcard(b);
        if (aWild && bWild)
        {
            return a.Length < b.Length ? EndsWith(b.AsSpan(1), a.AsSpan(1)) : EndsWith(a.AsSpan(1), b.AsSpan(1));
        }

        if (aWild)
        {
            return EndsWith(b, a.AsSpan(1));
        }

        if (bWild)
        {
            return EndsWith(a, b.AsSpan(1));
        }

        return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Istio's one-directional <c>Name.SubsetOf</c>: every name <paramref name="a"/> matches is matched by <paramref name="b"/>.</summary>
    public static bool SubsetOf(string a, string b)
    {
        if (IsWildcard(a))
        {
            return IsWildcard(b) && EndsWith(a.AsSpan(1), b.AsSpan(1));
        }

        return IsWildcard(b) ? EndsWith(a, b.AsSpan(1)) : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when <paramref name="a"/> is more specific than <paramref name="b"/>: a plain name beats
    /// any wildcard; otherwise the longer name wins (ties broken by ordinal order for determinism).
    /// </summary>
    public static bool IsMoreSpecific(string a, string b)
    {
        var aWild = IsWildcard(a);
        if (aWild != IsWildcard(b))
        {
            return !aWild;
        }

        if (a.Length != b.Length)
        {
            return a.Length > b.Length;
        }

        return string.CompareOrdinal(a.ToLowerInvariant(), b.ToLowerInvariant()) < 0;
    }

    /// <summary>
    /// Istio's <c>MostSpecificHostMatch</c>: the candidate equal to <paramref name="host"/> if any,
    /// else the most specific wildcard candidate that matches it, else null.
    /// </summary>
    public static string? MostSpecificMatch(string host, IEnumerable<string> candidates)
    {
        string? best = null;
        foreach (var candidate in candidates)
        {
            if (string.Equals(candidate, host, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            var matches = IsWildcard(host)
                ? IsWildcard(candidate) && EndsWith(host.AsSpan(1), candidate.AsSpan(1))
                : IsWildcard(candidate) && EndsWith(host, candidate.AsSpan(1));
            if (matches && (best is null || IsMoreSpecific(candidate, best)))
            {
                best = candidate;
            }
        }

        return best;
    }

    private static bool EndsWith(ReadOnlySpan<char> text, ReadOnlySpan<char> suffix)
        => text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
}
