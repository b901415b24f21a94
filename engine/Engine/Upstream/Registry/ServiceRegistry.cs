using System.Net;
using Engine.Config;
using Engine.Config.Model;
using Engine.Upstream.Dns;

namespace Engine.Upstream.Registry;

/// <summary>
/// The services of the mesh as a sidecar without Kubernetes sees them: built from ServiceEntries
/// (each host a service) with endpoints inline or from WorkloadEntries selected by
/// <c>workloadSelector</c> in the same namespace (istio-semantics.md §5.4). DNS names (endpoint
/// addresses, or with <c>resolution: DNS</c>/<c>DNS_ROUND_ROBIN</c> and neither endpoints nor a
/// selector the host itself, §5.2) are read from the <see cref="DnsCache"/>, which refreshes them.
/// </summary>
internal sealed class ServiceRegistry
{
    private readonly Dictionary<string, MeshService> _byHost;

    private ServiceRegistry(Dictionary<string, MeshService> byHost, HashSet<DnsQuery> dnsQueries)
    {
        _byHost = byHost;
        DnsQueries = dnsQueries;
    }

    public IEnumerable<MeshService> Services => _byHost.Values;

    /// <summary>The names this registry's endpoints were resolved from (what the DNS refresher keeps resolving).</summary>
    public IReadOnlySet<DnsQuery> DnsQueries { get; }

    public MeshService? Find(string host) => _byHost.GetValueOrDefault(host);

    public static ServiceRegistry Build(
        IReadOnlyList<IstioResource<ServiceEntry>> serviceEntries,
        IReadOnlyList<IstioResource<WorkloadEntry>> workloadEntries,
        Action<ConfigDiagnostic> report,
        DnsCache dns)
    {
        var byHost = new Dictionary<string, MeshService>(StringComparer.OrdinalIgnoreCase);
        var queries = new HashSet<DnsQuery>();
        foreach (var entry in serviceEntries.OrderBy(e => e.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue).ThenBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Namespace, StringComparer.Ordinal))
        {
            var spec = entry.Spec;
            var ports = spec.Ports.Select(p => new ServicePortInfo((int)p.Number, p.Name, p.Protocol, (int)p.TargetPort)).ToArray();
            var resolvesHost = spec.Resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin
                && spec.Endpoints.IsEmpty && spec.WorkloadSelector is null;
            var instances = resolvesHost ? [] : Instances(entry, workloadEntries, report, dns, queries);
            for (var i = 0; i < spec.Hosts.Length; i++)
            {
                var rawHost = spec.Hosts[i];
                var host = IstioHost.ResolveShortName(rawHost, entry.Namespace);
                if (resolvesHost)
                {
                    // Envoy's STRICT_DNS/LOGICAL_DNS cluster with the host as its one endpoint
                    // address: the name as written (what an application would look up), at the
                    // service port or its targetPort.
                    instances = HostInstances(entry, rawHost.ToLowerInvariant(), spec.Source.Field($"hosts[{i}]"), report, dns, queries);
                }

                var service = new MeshService(host, entry.Namespace, spec.Resolution, ports, spec.Addresses, instances, entry.Spec.Source)
                {
                    MeshInternal = spec.Location == ServiceEntryLocation.MeshInternal,
                    ServiceAccounts = ServiceAccounts(spec, entry.Namespace, instances),
                };
                if (!byHost.TryAdd(host, service))
                {
                    report(Warning(entry, spec.Source.Field("hosts"), $"host {host} is already defined by another ServiceEntry; the older one is used"));
                }
            }
        }

        return new ServiceRegistry(byHost, queries);
    }

    private static ServiceInstance[] HostInstances(IstioResource<ServiceEntry> entry, string name, SourceLocation at, Action<ConfigDiagnostic> report, DnsCache dns, HashSet<DnsQuery> queries)
    {
        var query = new DnsQuery(name, FirstOnly: entry.Spec.Resolution == ServiceEntryResolution.DnsRoundRobin);
        queries.Add(query);
        var addresses = dns.Lookup(query);
        if (addresses.Length == 0)
        {
            report(Warning(entry, at, $"host '{name}' could not be resolved; it receives no traffic until a refresh resolves it"));
        }

        return addresses.Select(a => new ServiceInstance(a, NoLabels, NoPorts, 1, string.Empty)).ToArray();
    }

    /// <summary>
    /// Istio's ServiceAccounts of a service: <c>subjectAltNames</c> first, then each distinct
    /// endpoint service account as <c>spiffe://cluster.local/ns/NS/sa/NAME</c> (the default trust domain).
    /// </summary>
    private static string[] ServiceAccounts(ServiceEntry spec, string @namespace, IEnumerable<ServiceInstance> instances)
        => spec.SubjectAltNames
            .Concat(instances.Where(i => i.ServiceAccount.Length > 0).Select(i => $"spiffe://{Tls.WorkloadCertificates.DefaultTrustDomain}/ns/{@namespace}/sa/{i.ServiceAccount}"))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, uint> NoPorts = new Dictionary<string, uint>();

    private static ServiceInstance[] Instances(IstioResource<ServiceEntry> entry, IReadOnlyList<IstioResource<WorkloadEntry>> workloadEntries, Action<ConfigDiagnostic> report, DnsCache dns, HashSet<DnsQuery> queries)
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
            var addresses = Resolve(workload.Address, spec.Resolution, dns, queries);
            foreach (var address in addresses)
            {
                instances.Add(new ServiceInstance(address, workload.Labels, workload.Ports, workload.Weight == 0 ? 1 : (int)workload.Weight, workload.Locality)
                {
                    ServiceAccount = workload.ServiceAccount,
                });
            }

            if (addresses.Length == 0)
            {
                report(Warning(entry, workload.Source.Field("address"), $"endpoint address '{workload.Address}' could not be resolved; it receives no traffic{(spec.Resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin ? " until a refresh resolves it" : string.Empty)}"));
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

    private static IPAddress[] Resolve(string address, ServiceEntryResolution resolution, DnsCache dns, HashSet<DnsQuery> queries)
    {
        if (NetAddress.TryParseIp(address, out var ip))
        {
            return [ip];
        }

        if (resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin && address.Length > 0 && !address.StartsWith("unix://", StringComparison.Ordinal))
        {
            var query = new DnsQuery(address.ToLowerInvariant(), FirstOnly: resolution == ServiceEntryResolution.DnsRoundRobin);
            queries.Add(query);
            return dns.Lookup(query);
        }

        return [];
    }

    private static ConfigDiagnostic Warning<T>(IstioResource<T> resource, SourceLocation at, string message)
        where T : ModelNode
        => new(DiagnosticSeverity.Warning, at.File, at.Line, resource.Kind.ToString(), resource.Name, at.Path, message);
}
