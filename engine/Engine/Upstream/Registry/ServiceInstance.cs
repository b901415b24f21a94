using System.Net;

namespace Engine.Upstream.Registry;

/// <summary>
/// One workload behind a service (a ServiceEntry endpoint or a selected WorkloadEntry): its
/// address, labels (what DestinationRule subsets select on), weight, and its own port map.
/// </summary>
internal sealed record ServiceInstance(IPAddress Address, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, uint> Ports, int Weight, string Locality)
{
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
