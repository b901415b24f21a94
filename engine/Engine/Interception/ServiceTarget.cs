using Engine.Routing;
using Engine.Upstream;
using Engine.Upstream.Registry;

namespace Engine.Interception;

/// <summary>
/// What an original destination names: one port of one service, with what handles it — the
/// service's virtual host for HTTP, its <c>tls[]</c> rules (by server name) and <c>tcp[]</c>
/// rules and default cluster otherwise.
/// </summary>
internal sealed class ServiceTarget
{
    public ServiceTarget(MeshService service, ServicePortInfo port, VirtualHost? http, TcpRouteRule[] tcpRules, Cluster? defaultCluster, TcpRouteRule[]? tlsRules = null)
    {
        Service = service;
        Port = port;
        Http = http;
        TcpRules = tcpRules;
        TlsRules = tlsRules ?? [];
        DefaultCluster = defaultCluster;
    }

    public MeshService Service { get; }

    /// <summary>The service port (for an endpoint address, the port that maps to the endpoint's port).</summary>
    public ServicePortInfo Port { get; }

    public VirtualHost? Http { get; }

    public TcpRouteRule[] TcpRules { get; }

    /// <summary>The VirtualService <c>tls[]</c> rules of the service's host, tried before <see cref="TcpRules"/> when the client sent a server name.</summary>
    public TcpRouteRule[] TlsRules { get; }

    /// <summary>
    /// Whether the connection's ClientHello is worth reading: a port declared TLS or HTTPS, or a
    /// service with <c>tls[]</c> rules. Other opaque ports may carry a server-first protocol,
    /// which must not wait for a client that will not speak.
    /// </summary>
    public bool RoutesOnServerName => TlsRules.Length > 0 || Port.Protocol.ToUpperInvariant() is "TLS" or "HTTPS";

    /// <summary><c>outbound|port||host</c>, or null if it was not built.</summary>
    public Cluster? DefaultCluster { get; }

    /// <summary>
    /// A port declared with a non-HTTP protocol (TCP, TLS, MONGO…) is proxied at L4 without
    /// protocol detection, as Istio does: server-first protocols never wait for a sniff.
    /// </summary>
    public bool IsOpaque => !Port.IsHttp;

    public override string ToString() => $"{Service.Host}:{Port.Number}";
}
