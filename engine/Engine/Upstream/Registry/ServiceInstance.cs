using System.Net;

namespace Engine.Upstream.Registry;

/// <summary>
/// One workload behind a service (a ServiceEntry endpoint or a selected WorkloadEntry): its
/// address, labels (what DestinationRule subsets select on), weight, and its own port map.
/// </summary>
internal sealed record ServiceInstance(IPAddress Address, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, uint> Ports, int Weight, string Locality)
{
    /// <summary>The workload's Kubernetes service account (WorkloadEntry <c>serviceAccount</c>); empty: none given.</summary>
    public string ServiceAccount { get; init; } = string.Empty;

    /// <summary>
    /// Whether the workload has a sidecar that takes Istio mTLS, as auto mTLS decides (istio-semantics.md
    /// §5.3): the <c>security.istio.io/tlsMode</c> label when present ("istio"), else a service account.
    /// </summary>
    public bool TakesIstioMutual => Labels.TryGetValue("security.istio.io/tlsMode", out var mode)
        ? mode == "istio"
        : ServiceAccount.Length > 0;

    /// <summary>
    /// The endpoint port for a service port, by Istio's priority (istio-semantics.md §5.3):
    /// the endpoint's <c>ports[name]</c>, else the service port's targetPort, else its number.
    /// </summary>
    public int PortFor(ServicePortInfo port)
    {
        if (port.Name.Length > 0 && Ports.TryGetValue(port.Name, out var mapped) && mapped > 0)
        {
            return (int)mapped;
        }

        return port.TargetPort > 0 ? port.TargetPort : port.Number;
    }

    /// <summary>Istio's SubsetOf: every selector label present with the same value (empty selects all).</summary>
    public bool HasLabels(IReadOnlyDictionary<string, string> selector)
    {
        foreach (var (key, value) in selector)
        {
            if (!Labels.TryGetValue(key, out var mine) || mine != value)
            {
                return false;
            }
        }

        return true;
    }
}
