using System.Globalization;
using System.Net;
using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// A header value of a VirtualService <c>headers</c> rule, compiled: literal text and Envoy's
/// substitution variables (<c>%DOWNSTREAM_REMOTE_ADDRESS%</c>, <c>%REQ(x-user)%</c>,
/// <c>%START_TIME(%s)%</c>…), with <c>%%</c> for a literal percent sign
/// (istio-semantics.md §3.5). A value that renders empty is not added, as in Envoy.
/// </summary>
/// <remarks>
/// The variables are Envoy's custom-header ones. Those whose facts the sidecar does not have
/// (TLS peer identities, metadata, filter state) are accepted and render empty, as Envoy renders
/// an absent value; a name Envoy does not know is a configuration error
/// (<see cref="IsKnownVariable"/>).
/// </remarks>
internal sealed class HeaderValue
{
    private static readonly HashSet<string> Unavailable = new(StringComparer.Ordinal)
    {
        "UPSTREAM_METADATA", "DYNAMIC_METADATA", "CLUSTER_METADATA", "PER_REQUEST_STATE", "FILTER_STATE", "UPSTREAM_FILTER_STATE",
        "DOWNSTREAM_PEER_URI_SAN", "DOWNSTREAM_PEER_DNS_SAN", "DOWNSTREAM_PEER_SUBJECT", "DOWNSTREAM_PEER_ISSUER", "DOWNSTREAM_PEER_SERIAL",
        "DOWNSTREAM_PEER_FINGERPRINT_256", "DOWNSTREAM_PEER_FINGERPRINT_1", "DOWNSTREAM_PEER_CERT", "DOWNSTREAM_PEER_CERT_V_START",
        "DOWNSTREAM_PEER_CERT_V_END", "DOWNSTREAM_LOCAL_URI_SAN", "DOWNSTREAM_LOCAL_DNS_SAN", "DOWNSTREAM_LOCAL_SUBJECT", "DOWNSTREAM_TLS_VERSION",
        "DOWNSTREAM_TLS_CIPHER", "DOWNSTREAM_TLS_SESSION_ID", "UPSTREAM_TLS_VERSION", "UPSTREAM_PEER_URI_SAN", "UPSTREAM_PEER_SUBJECT",
        "REQUESTED_SERVER_NAME", "VIRTUAL_CLUSTER_NAME",
    };

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_REMOTE_PORT",
        "DOWNSTREAM_DIRECT_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_DIRECT_REMOTE_PORT",
        "DOWNSTREAM_LOCAL_ADDRESS", "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_LOCAL_PORT",
        "UPSTREAM_REMOTE_ADDRESS", "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "UPSTREAM_REMOTE_PORT",
        "PROTOCOL", "START_TIME", "HOSTNAME", "REQ", "RESP", "ENVIRONMENT",
    };

    private readonly Part[] _parts;

    private HeaderValue(string text, Part[] parts, byte[]? literal)
    {
        Text = text;
        _parts = parts;
        Literal = literal;
    }

    /// <summary>The value as written in the rule.</summary>
    public string Text { get; }

    /// <summary>The bytes of a value without variables (<c>%%</c> undone); null when it has some.</summary>
    public byte[]? Literal { get; }

    /// <summary>Whether <paramref name="name"/> (without arguments) is a variable Envoy knows in header values.</summary>
    public static bool IsKnownVariable(string name) => Known.Contains(name) || Unavailable.Contains(name);

    /// <summary>Compiles a value that validation accepted (HeaderRules.CheckValue).</summary>
    public static HeaderValue Parse(string text)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                literal.Append(text[i]);
                continue;
            }

            if (i + 1 < text.Length && text[i + 1] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            var close = VariableEnd(text, i + 1);
            if (close < 0)
            {
                literal.Append(text, i, text.Length - i); // validation rejects this; keep the text rather than lose it
                break;
            }

            Flush(parts, literal);
            parts.Add(Variable(text.AsSpan(i + 1, close - i - 1)));
            i = close;
        }

        Flush(parts, literal);
        var plain = parts.All(p => p.Name is null);
        return new HeaderValue(text, parts.ToArray(), plain ? Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => p.Literal))) : null);
    }

    /// <summary>The value for the request being served; "" when every part is empty. <paramref name="response"/> is the head being edited on the response side.</summary>
    public string Render(IHeaderValueSource? source, HttpHead? response)
    {
        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part.Name is null)
            {
                text.Append(part.Literal);
                continue;
            }

            var value = source is null ? "" : Evaluate(part, source, response);
            text.Append(part.MaxLength is { } max && value.Length > max ? value[..max] : value);
        }

        return text.ToString();
    }

    public override string ToString() => Text;

    private static string Evaluate(Part part, IHeaderValueSource source, HttpHead? response) => part.Name switch
    {
        "DOWNSTREAM_REMOTE_ADDRESS" or "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" => Address(source.DownstreamRemote, withPort: true),
        "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" or "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" => Address(source.DownstreamRemote, withPort: false),
        "DOWNSTREAM_REMOTE_PORT" or "DOWNSTREAM_DIRECT_REMOTE_PORT" => Port(source.DownstreamRemote),
        "DOWNSTREAM_LOCAL_ADDRESS" => Address(source.DownstreamLocal, withPort: true),
        "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" => Address(source.DownstreamLocal, withPort: false),
        "DOWNSTREAM_LOCAL_PORT" => Port(source.DownstreamLocal),
        "UPSTREAM_REMOTE_ADDRESS" => Address(source.UpstreamHost?.Address, withPort: true),
        "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" => Address(source.UpstreamHost?.Address, withPort: false),
        "UPSTREAM_REMOTE_PORT" => Port(source.UpstreamHost?.Address),
        "PROTOCOL" => source.Protocol,
        "START_TIME" => StartTimeFormat.Format(source.StartTime, part.Argument),
        "HOSTNAME" => Environment.MachineName,
        "ENVIRONMENT" => Environment.GetEnvironmentVariable(part.Argument ?? "") ?? "",
        "REQ" => HeaderOf(source.Request, part.Argument),
        "RESP" => response is null ? "" : HeaderOf(response, part.Argument),
        _ => "", // known to Envoy, but nothing the sidecar has (TLS peers, metadata)
    };

    /// <summary><c>NAME</c> or <c>NAME?ALTERNATIVE</c>: the first line of the first present header (pseudo-headers of a request too).</summary>
    private static string HeaderOf(HttpHead head, string? names)
    {
        foreach (var name in (names ?? "").Split('?'))
        {
            var lower = name.Trim().ToLowerInvariant();
            if (head is HttpRequestHead request && Pseudo(request, lower) is { } pseudo)
            {
                return pseudo;
            }

            var index = head.IndexOf(Encoding.ASCII.GetBytes(lower));
            if (index >= 0)
            {
                return Encoding.UTF8.GetString(head.ValueOf(index));
            }
        }

        return "";
    }

    /// <summary>Envoy keeps Host as <c>:authority</c>; the other pseudo-headers are the request line's parts.</summary>
    private static string? Pseudo(HttpRequestHead request, string name) => name switch
    {
        ":authority" or "host" => Encoding.UTF8.GetString(request.Span(request.Authority)),
        ":path" => Encoding.UTF8.GetString(request.Span(request.Path)),
        ":method" => Encoding.ASCII.GetString(request.Span(request.MethodBytes)),
        ":scheme" => request.Scheme.IsEmpty ? "http" : Encoding.ASCII.GetString(request.Span(request.Scheme)),
        _ => null,
    };

    private static string Address(EndPoint? endPoint, bool withPort) => endPoint switch
    {
        IPEndPoint ip when withPort => ip.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString() : ip.ToString(),
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        null => "",
        _ => endPoint.ToString() ?? "",
    };

    private static string Port(EndPoint? endPoint) => endPoint is IPEndPoint ip ? ip.Port.ToString(CultureInfo.InvariantCulture) : "";

    /// <summary><c>NAME</c>, <c>NAME(argument)</c> or either with <c>:max_length</c>.</summary>
    private static Part Variable(ReadOnlySpan<char> body)
    {
        int? max = null;
        var colon = body.LastIndexOf(':');
        var paren = body.LastIndexOf(')');
        if (colon > paren && int.TryParse(body[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            max = length;
            body = body[..colon];
        }

        var open = body.IndexOf('(');
        return open < 0 || body[^1] != ')'
            ? new Part(null, body.ToString(), null, max)
            : new Part(null, body[..open].ToString(), body[(open + 1)..^1].ToString(), max);
    }

    /// <summary>The '%' that ends a variable starting at <paramref name="start"/>; a '%' inside parentheses (a START_TIME format) does not.</summary>
    public static int VariableEnd(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '%' when depth <= 0:
                    return i;
            }
        }

        return -1;
    }

    private static void Flush(List<Part> parts, StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            parts.Add(new Part(literal.ToString(), null, null, null));
            literal.Clear();
        }
    }

    /// <summary>Literal text (<see cref="Name"/> null), or a variable with its argument and length limit.</summary>
    private sealed record Part(string? Literal, string? Name, string? Argument, int? MaxLength);
}
