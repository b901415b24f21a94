using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// <c>redirect</c> (Envoy RedirectAction, istio-semantics.md §3.7): a local reply with a
/// <c>location</c> built from the request and the configured parts. The query is kept unless the
/// new path brings its own; a port equal to the scheme's default is left out.
/// </summary>
internal sealed class RedirectAction
{
    public RedirectAction(int status, string? scheme, string? authority, string? path, string? prefixRewrite, int? port, bool portFromRequest)
    {
        Status = status;
        Scheme = scheme;
        Authority = authority;
        Path = path;
        PrefixRewrite = prefixRewrite;
        Port = port;
        PortFromRequest = portFromRequest;
    }

    public int Status { get; }

    public string? Scheme { get; }

    public string? Authority { get; }

    public string? Path { get; }

    public string? PrefixRewrite { get; }

    public int? Port { get; }

    public bool PortFromRequest { get; }

    public string Describe()
        => $"redirect {Status} to {Scheme ?? "(same scheme)"}://{Authority ?? "(same host)"}{(Port is { } p ? ":" + p : PortFromRequest ? ":(request port)" : string.Empty)}{Path ?? (PrefixRewrite is null ? "(same path)" : "(prefix → " + PrefixRewrite + ")")}";

    /// <summary>The location for this request. Allocates: redirects are not the hot path.</summary>
    public string Location(HttpRequestHead request, ByteMatcher? matchedUri, int requestPort)
    {
        var scheme = Scheme ?? (request.Scheme.IsEmpty ? "http" : Encoding.ASCII.GetString(request.Span(request.Scheme)));
        var requestAuthority = Encoding.UTF8.GetString(request.Span(request.Authority));
        var host = Authority ?? requestAuthority;
        var hostOnly = Encoding.UTF8.GetString(HostName.HostOf(Encoding.UTF8.GetBytes(host), out var hostPort));
        if (hostOnly.Contains(':', StringComparison.Ordinal))
        {
            hostOnly = "[" + hostOnly + "]"; // IPv6 literal
        }

        var port = Port ?? (PortFromRequest ? requestPort : hostPort);
        if ((scheme == "http" && port == 80) || (scheme == "https" && port == 443) || (Scheme is not null && Port is null && !PortFromRequest && Authority is null))
        {
            // A default port is not written; changing scheme drops the old scheme's port (Envoy).
            port = -1;
        }

        var pathOnly = Encoding.UTF8.GetString(request.PathOnly);
        var query = request.QueryOffset < 0 ? string.Empty : Encoding.UTF8.GetString(request.Span(request.Path)[request.QueryOffset..]);
        string path;
        if (Path is not null)
        {
            path = Path;
        }
        else if (PrefixRewrite is not null && matchedUri is { Kind: StringMatchKind.Prefix } prefix)
        {
            path = PrefixRewrite + pathOnly[Math.Min(prefix.Text.Length, pathOnly.Length)..];
        }
        else
        {
            path = pathOnly;
        }

        if (path.Contains('?', StringComparison.Ordinal))
        {
            query = string.Empty;
        }

        return $"{scheme}://{hostOnly}{(port > 0 ? ":" + port : string.Empty)}{path}{query}";
    }
}
