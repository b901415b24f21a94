using System.Net;
using Engine.Config;
using Engine.Config.Model;

namespace Engine.Upstream.Registry;

/// <summary>
/// The services of the mesh as a sidecar without Kubernetes sees them: built from ServiceEntries
/// (each host a service) with endpoints inline or from WorkloadEntries selected by
/// <c>workloadSelector</c> in the same namespace (istio-semantics.md §5.4).
/// </summary>
internal sealed class ServiceRegistry
{
    private readonly Dictionary<string, MeshService> _byHost;

    private ServiceRegistry(Dictionary<string, MeshService> byHost) => _byHost = byHost;

    public IEnumerable<MeshService> Services => _byHost.Values;

    public MeshService? Find(string host) => _byHost.GetValueOrDefault(host);

    public static ServiceRegistry Build(
        IReadOnlyList<IstioResource<ServiceEntry>> serviceEntries,
        IReadOnlyList<IstioResource<WorkloadEntry>> workloadEntries,
        Action<ConfigDiagnostic> report)
    {
        var byHost = new Dictionary<string, MeshService>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in serviceEntries.OrderBy(e => e.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue).ThenBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Namespace, StringComparer.Ordinal))
        {
            var spec = entry.Spec;
            var ports = spec.Ports.Select(p => new ServicePortInfo((int)p.Number, p.Name, p.Protocol, (int)p.TargetPort)).ToArray();
            var instances = Instances(entry, workloadEntries, report);
            foreach (var rawHost in spec.Hosts)
            {
                var host = IstioHost.ResolveShortName(rawHost, entry.Namespace);
                var service = new MeshService(host, entry.Namespace, spec.Resolution, ports, spec.Addresses, instances, entry.Spec.Source);
                if (!byHost.TryAdd(host, service))
                {
                    report(Warning(entry, spec.Source.Field("hosts"), $"host {host} is already defined by another ServiceEntry; the older one is used"));
                }
            }
        }

        return new ServiceRegistry(byHost);
    }

    private static ServiceInstance[] Instances(IstioResource<ServiceEntry> entry, IReadOnlyList<IstioResource<WorkloadEntry>> workloadEntries, Action<ConfigDiagnostic> report)
    {
        var spec = entry.Spec;
        IEnumerable<WorkloadEntry> workloads;
        if (spec.WorkloadSelector is { } selector)
        {
            workloads = workloadEntries
                .Where(w => w.Namespace == entry.Namespace && Matches(selector.Labels, w.Metadata.Labels, w.Spec.Labels))
                .OrderBy(w => w.Name, StringComparer.Ordinal)
                .Select(w => MergeLabels(w));
        }
        else
        {
            workloads = spec.Endpoints;
        }

        var instances = new List<ServiceInstance>();
        foreach (var workload in workloads)
        {
            var addresses = Resolve(workload.Address, spec.Resolution).ToArray();
            foreach (var address in addresses)
            {
                instances.Add(new ServiceInstance(address, workload.Labels, workload.Ports, workload.Weight == 0 ? 1 : (int)workload.Weight, workload.Locality));
            }

            if (addresses.Length == 0)
            {
                report(Warning(entry, workload.Source.Field("address"), $"endpoint address '{workload.Address}' could not be resolved; it receives no traffic"));
            }
        }

        return instances.ToArray();
    }

    /// <summary>A WorkloadEntry's selectable labels are its spec labels; metadata labels are a fallback Istio also accepts.</summary>
    private static WorkloadEntry MergeLabels(IstioResource<WorkloadEntry> workload)
    {
        if (workload.Metadata.Labels.Count == 0)
        {
            return workload.Spec;
        }

        return workload.Spec with { Labels = new OrderedMap<string>(workload.Spec.Labels.Concat(workload.Metadata.Labels.Where(l => !workload.Spec.Labels.ContainsKey(l.Key)))) };
    }

    private static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> metadataLabels, IReadOnlyDictionary<string, string> specLabels)
    {
        foreach (var (key, value) in selector)
        {
            var found = specLabels.TryGetValue(key, out var v) ? v : metadataLabels.GetValueOrDefault(key);
            if (found != value)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<IPAddress> Resolve(string address, ServiceEntryResolution resolution)
    {
        if (NetAddress.TryParseIp(address, out var ip))
        {
            return [ip];
        }

        if (resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin && address.Length > 0 && !address.StartsWith("unix://", StringComparison.Ordinal))
        {
            try
            {
                // Resolved once per configuration load, off the request path.
                var addresses = Dns.GetHostAddresses(address);
                return resolution == ServiceEntryResolution.DnsRoundRobin ? addresses.Take(1) : addresses;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return [];
            }
        }

        return [];
    }

    private static ConfigDiagnostic Warning<T>(IstioResource<T> resource, SourceLocation at, string message)
        where T : ModelNode
        => new(DiagnosticSeverity.Warning, at.File, at.Line, resource.Kind.ToString(), resource.Name, at.Path, message);
}
