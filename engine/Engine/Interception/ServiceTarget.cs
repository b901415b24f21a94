using Engine.Routing;
using Engine.Upstream;
using Engine.Upstream.Registry;

namespace Engine.Interception;

/// <summary>
/// What an original destination names: one port of one service, with what handles it — the
/// service's virtual host for HTTP, its <c>tcp[]</c> rules and default cluster otherwise.
/// </summary>
internal sealed class ServiceTarget
{
    public ServiceTarget(MeshService service, ServicePortInfo port, VirtualHost? http, TcpRouteRule[] tcpRules, Cluster? defaultCluster)
    {
        Service = service;
        Port = port;
        Http = http;
        TcpRules = tcpRules;
        DefaultCluster = defaultCluster;
    }

    public MeshService Service { get; }

    /// <summary>The service port (for an endpoint address, the port that maps to the endpoint's port).</summary>
    public ServicePortInfo Port { get; }

    public VirtualHost? Http { get; }

    public TcpRouteRule[] TcpRules { get; }

    /// <summary><c>outbound|port||host</c>, or null if it was not built.</summary>
    public Cluster? DefaultCluster { get; }

    /// <summary>
    /// A port declared with a non-HTTP protocol (TCP, TLS, MONGO…) is proxied at L4 without
    /// protocol detection, as Istio does: server-first protocols never wait for a sniff.
    /// </summary>
    public bool IsOpaque => !Port.IsHttp;

    public override string ToString() => $"{Service.Host}:{Port.Number}";
}
