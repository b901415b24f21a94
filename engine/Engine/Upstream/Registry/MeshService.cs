using Engine.Config.Model;

namespace Engine.Upstream.Registry;

/// <summary>
/// A service the sidecar knows: one host of a ServiceEntry (each host is its own service in
/// Istio), its ports, VIPs and instances.
/// </summary>
internal sealed record MeshService(
    string Host,
    string Namespace,
    ServiceEntryResolution Resolution,
    IReadOnlyList<ServicePortInfo> Ports,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<ServiceInstance> Instances,
    Config.SourceLocation Source)
{
    /// <summary>MESH_INTERNAL: the workloads are part of the mesh (auto mTLS applies to them); a ServiceEntry's default is MESH_EXTERNAL.</summary>
    public bool MeshInternal { get; init; }

    /// <summary>
    /// The identities the service's workloads may present (Istio's service accounts of a service): the
    /// ServiceEntry's <c>subjectAltNames</c>, then the SPIFFE ID of each endpoint's <c>serviceAccount</c>.
    /// ISTIO_MUTUAL checks the server certificate against them when the rule names no subjectAltNames.
    /// </summary>
    public IReadOnlyList<string> ServiceAccounts { get; init; } = [];

    public ServicePortInfo? FindPort(int number)
    {
        foreach (var port in Ports)
        {
            if (port.Number == number)
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>
    /// Host names that reach this service from a sidecar in <paramref name="proxyNamespace"/>
    /// (istio-semantics.md §2.4): for <c>svc.ns.svc.cluster.local</c> the FQDN, <c>svc.ns.svc</c>,
    /// <c>svc.ns</c>, and <c>svc</c> only from the same namespace; plus its IP addresses.
    /// </summary>
    public IEnumerable<string> Aliases(string proxyNamespace)
    {
        yield return Host;
        const string clusterSuffix = ".svc." + Config.IstioHost.DefaultDomainSuffix;
        if (Host.EndsWith(clusterSuffix, StringComparison.Ordinal))
        {
            var nameAndNs = Host[..^clusterSuffix.Length];
            var dot = nameAndNs.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0)
            {
                yield return nameAndNs + ".svc";
                yield return nameAndNs;
                if (string.Equals(nameAndNs[(dot + 1)..], proxyNamespace, StringComparison.Ordinal))
                {
                    yield return nameAndNs[..dot];
                }
            }
        }

        foreach (var address in Addresses)
        {
            if (Config.NetAddress.IsIp(address))
            {
                yield return address;
            }
        }
    }
}
