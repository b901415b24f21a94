using System.Collections.Frozen;
using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing;

/// <summary>
/// Every route of every host, compiled once per configuration and never changed afterwards; a
/// new configuration builds a new table and publishes it with one reference write.
/// </summary>
/// <remarks>
/// Virtual host selection follows Envoy: exact domain, then the longest <c>*.suffix</c>
/// wildcard, then <c>*</c>; the port in the authority is ignored for this choice
/// (Istio sets <c>ignore_port_in_host_matching</c>). Within a host, rules are tried in order and
/// the first match wins.
/// </remarks>
internal sealed class RouteTable
{
    private const int MaxHostChars = 256;

    private readonly FrozenDictionary<string, VirtualHost> _exact;
    private readonly FrozenDictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly AsciiHostTable<VirtualHost>? _exactAscii;
    private readonly (string Suffix, VirtualHost Host)[] _wildcards;
    private readonly VirtualHost? _catchAll;

    public RouteTable(IReadOnlyDictionary<string, VirtualHost> exact, IEnumerable<(string Suffix, VirtualHost Host)> wildcards, VirtualHost? catchAll)
    {
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _exactAscii = AsciiHostTable<VirtualHost>.TryCreate(_exact);

        // Longest suffix first, so the first hit is the most specific wildcard.
        _wildcards = wildcards.OrderByDescending(w => w.Suffix.Length).ThenBy(w => w.Suffix, StringComparer.Ordinal).ToArray();
        _catchAll = catchAll;
    }

    public static RouteTable Empty { get; } = new(new Dictionary<string, VirtualHost>(), [], null);

    /// <summary>Every virtual host, with the per-port rule sets of VirtualServices that match on <c>port</c>.</summary>
    public IEnumerable<VirtualHost> VirtualHosts => _exact.Values.Concat(_wildcards.Select(w => w.Host)).Concat(_catchAll is null ? [] : [_catchAll])
        .SelectMany(h => h.PortVariants.Prepend(h))
        .Distinct();

    /// <summary>Finds the virtual host for an authority's host part (no port).</summary>
    public VirtualHost? FindVirtualHost(ReadOnlySpan<byte> host)
    {
        if (host.Length > MaxHostChars)
        {
            return _catchAll;
        }

        // Exact names straight from the bytes when every name is ASCII (nearly always). A host that
        // is not ASCII cannot equal an ASCII name, whatever the case: no Latin-1 letter above 0x7F
        // has an ASCII case pair.
        if (_exactAscii is not null)
        {
            if (_exactAscii.TryFind(host, out var found) && found is not null)
            {
                return found;
            }

            if (_wildcards.Length == 0)
            {
                return _catchAll;
            }
        }

        Span<char> chars = stackalloc char[MaxHostChars];
        var length = Encoding.Latin1.GetChars(host, chars);
        var name = chars[..length];
        if (_exactAscii is null && _exactLookup.TryGetValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (suffix, vhost) in _wildcards)
        {
            // "*.foo.com" is stored as ".foo.com": it matches "a.foo.com", never "foo.com" itself.
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return vhost;
            }
        }

        return _catchAll;
    }

    public RouteResult Match(in RequestView request)
    {
        var vhost = FindVirtualHost(HostName.HostOf(request.Authority, out _));
        if (vhost is null)
        {
            return new RouteResult(RouteOutcome.NoVirtualHost, null, null);
        }

        return Match(vhost, request);
    }

    /// <summary>
    /// The first rule of a given virtual host that matches (transparent mode picks the host by
    /// original destination), among the rules for the request's port: <c>match.port</c> is decided
    /// per port when the table is compiled, as Istio does per listener (istio-semantics.md §3.1).
    /// </summary>
    public static RouteResult Match(VirtualHost host, in RequestView request)
    {
        if (host.ForPort(request.Port) is not { } vhost)
        {
            return new RouteResult(RouteOutcome.NoVirtualHost, null, null); // the VirtualService has no rule on this port
        }

        var (rule, matchIndex) = vhost.Automaton.Match(request);
        return rule is null
            ? new RouteResult(RouteOutcome.NoRoute, vhost, null)
            : new RouteResult(RouteOutcome.Matched, vhost, rule, matchIndex);
    }

    /// <summary>The port a request is for when no original destination is known: the authority's, else the scheme default.</summary>
    public static int PortOf(HttpRequestHead head)
    {
        var port = HostName.PortOf(head.Span(head.Authority));
        if (port > 0)
        {
            return port;
        }

        return head.Scheme.Length == 5 ? 443 : 80; // "https"
    }
}
