using System.Globalization;
using System.Net;
using System.Text;
using Engine.Config.Model;
using Engine.Protocols.Http;
using Engine.Routing;

namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// What a request is hashed on for <see cref="ConsistentHashBalancer"/>: one of a header, a
/// cookie, the client's address or a query parameter (the <c>consistentHash</c> key oneof).
/// </summary>
/// <remarks>
/// Envoy's hash policies, by kind. A header's several lines are joined with ',' (as a header match
/// sees them). A cookie is the first one of that name over all <c>cookie</c> lines, with its
/// quotes taken off. The address is the downstream connection's, without the port. A query
/// parameter is its first occurrence. When the cookie is absent and the rule has a <c>ttl</c>, the
/// proxy makes one up and sets it on the response (Envoy's generated cookie), so that the
/// client's next request carries it and stays with the endpoint.
/// </remarks>
internal sealed class HashPolicy
{
    private readonly Kind _kind;
    private readonly byte[] _name;

    private HashPolicy(Kind kind, string name, HttpCookie? cookie = null)
    {
        _kind = kind;
        Name = name;
        _name = Encoding.UTF8.GetBytes(kind == Kind.Header ? name.ToLowerInvariant() : name);
        Cookie = cookie;
    }

    private enum Kind
    {
        Header,
        Cookie,
        SourceIp,
        QueryParameter,
    }

    /// <summary>The header, cookie or query parameter name ("" for the source address).</summary>
    public string Name { get; }

    /// <summary>The cookie rule (path, ttl, attributes) when the key is a cookie.</summary>
    public HttpCookie? Cookie { get; }


    /// <summary>The policy of a consistentHash rule; null when it names no key (requests are then spread at random).</summary>
    public static HashPolicy? From(ConsistentHashLb? hash) => hash switch
    {
        { HttpHeaderName: { } header } => new HashPolicy(Kind.Header, header),
        { HttpCookie: { } cookie } => new HashPolicy(Kind.Cookie, cookie.Name, cookie),
        { UseSourceIp: true } => new HashPolicy(Kind.SourceIp, ""),
        { HttpQueryParameterName: { } parameter } => new HashPolicy(Kind.QueryParameter, parameter),
        _ => null,
    };

    /// <summary>
    /// The request's hash, or null when it has no key. <paramref name="setCookie"/> is the
    /// <c>set-cookie</c> value to add to the response when a cookie was generated.
    /// </summary>
    public ulong? Compute(HttpRequestHead request, EndPoint? client, out string? setCookie)
    {
        setCookie = null;
        switch (_kind)
        {
            case Kind.Header:
                return new RequestView(request, 0, RouteScratch.ForThisThread).TryGetHeader(_name, out var header) ? StableHash.Of(header) : null;
            case Kind.QueryParameter:
                return new RequestView(request, 0).TryGetQueryParameter(_name, out var parameter) ? StableHash.Of(parameter) : null;
            case Kind.SourceIp:
                return ForConnection(client);
            default:
                if (TryFindCookie(request, _name, out var cookie))
                {
                    return StableHash.Of(cookie);
                }

                if (Cookie?.Ttl is not { } ttl || client is null)
                {
                    return null;
                }

                // Envoy derives the value from the client's address and port: requests racing on
                // one connection get one cookie, other connections of the same client others.
                var value = StableHash.Of(client.ToString() ?? "").ToString("x16", CultureInfo.InvariantCulture);
                setCookie = SetCookieValue(value, ttl);
                return StableHash.Of(Encoding.ASCII.GetBytes(value));
        }
    }

    /// <summary>The hash of a connection without an HTTP request (TCP): only a source-address key has one.</summary>
    public ulong? ForConnection(EndPoint? client)
        => _kind == Kind.SourceIp && client is IPEndPoint ip ? StableHash.OfAddress(ip.Address) : null;

    /// <summary>The first cookie named <paramref name="name"/> over every cookie line, unquoted.</summary>
    public static bool TryFindCookie(HttpRequestHead request, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (var i = request.IndexOf("cookie"u8); i >= 0; i = request.IndexOf("cookie"u8, i + 1))
        {
            var rest = request.ValueOf(i);
            while (!rest.IsEmpty)
            {
                var semicolon = rest.IndexOf((byte)';');
                var pair = (semicolon < 0 ? rest : rest[..semicolon]).Trim((byte)' ');
                rest = semicolon < 0 ? default : rest[(semicolon + 1)..];
                var eq = pair.IndexOf((byte)'=');
                if (eq < 0 || !pair[..eq].SequenceEqual(name))
                {
                    continue;
                }

                value = pair[(eq + 1)..];
                if (value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"')
                {
                    value = value[1..^1];
                }

                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Envoy's generated cookie: <c>name="value"; Max-Age=…; Path=…; attributes; HttpOnly</c> (no Max-Age for a 0 ttl: a session cookie).</summary>
    private string SetCookieValue(string value, TimeSpan ttl)
    {
        var text = new StringBuilder().Append(Name).Append("=\"").Append(value).Append('"');
        var seconds = (long)ttl.TotalSeconds;
        if (seconds > 0)
        {
            text.Append("; Max-Age=").Append(seconds.ToString(CultureInfo.InvariantCulture));
        }

        if (Cookie!.Path.Length > 0)
        {
            text.Append("; Path=").Append(Cookie.Path);
        }

        foreach (var attribute in Cookie.Attributes)
        {
            text.Append("; ").Append(attribute.Name);
            if (attribute.Value.Length > 0)
            {
                text.Append('=').Append(attribute.Value);
            }
        }

        return text.Append("; HttpOnly").ToString();
    }

    public override string ToString() => _kind switch
    {
        Kind.Header => $"header {Name}",
        Kind.Cookie => Cookie?.Ttl is { } ttl ? $"cookie {Name} (generated with ttl {ttl.TotalSeconds}s when absent)" : $"cookie {Name}",
        Kind.SourceIp => "source address",
        _ => $"query parameter {Name}",
    };
}
