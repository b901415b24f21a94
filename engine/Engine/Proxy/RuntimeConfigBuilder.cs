using Engine.Config;
using Engine.Config.Model;
using Engine.Interception;
using Engine.Routing.Compile;
using Engine.Upstream;
using Engine.Upstream.Dns;
using Engine.Upstream.Registry;

namespace Engine.Proxy;

/// <summary>
/// Compiles a validated set of Istio resources into the immutable <see cref="RuntimeConfig"/>
/// the data plane reads: registry, clusters (reusing the connection pools of endpoints that
/// survive), route table. Built off to the side; publishing it is the caller's one reference write.
/// </summary>
internal sealed class RuntimeConfigBuilder
{
    private readonly UpstreamPools _pools;
    private readonly IRandomSource _random;
    private readonly TimeProvider _time;
    private readonly DnsServices _dns;
    private long _version;

    public RuntimeConfigBuilder(UpstreamPools pools, IRandomSource random, TimeProvider time, DnsServices? dns = null)
    {
        _pools = pools;
        _random = random;
        _time = time;
        _dns = dns ?? DnsServices.CreateDefault(time);
    }

    /// <summary>
    /// Builds a configuration. Compile-time findings (unknown subsets, shadowed VirtualServices,
    /// unreachable rules) are warnings: Istio accepts such configuration and answers 503/404 at
    /// run time, and so do we. Call <see cref="UpstreamPools.Generation.Commit"/> on the returned
    /// generation once the configuration is published.
    /// </summary>
    public (RuntimeConfig Config, UpstreamPools.Generation Pools) Build(
        IReadOnlyList<IstioResource<VirtualService>> virtualServices,
        IReadOnlyList<IstioResource<DestinationRule>> destinationRules,
        IReadOnlyList<IstioResource<ServiceEntry>> serviceEntries,
        IReadOnlyList<IstioResource<WorkloadEntry>> workloadEntries,
        RouteCompileOptions options,
        Action<ConfigDiagnostic> report)
    {
        // exportTo: what other namespaces keep to themselves does not exist for this sidecar.
        // Delegates (VirtualServices without hosts) are exported to their root's namespace, not to the sidecar's.
        virtualServices = virtualServices.Where(v => v.Spec.IsDelegate || ExportVisibility.IsVisible(v.Spec.ExportTo, v.Namespace, options.ProxyNamespace)).ToArray();
        serviceEntries = serviceEntries.Where(s => ExportVisibility.IsVisible(s.Spec.ExportTo, s.Namespace, options.ProxyNamespace)).ToArray();
        var registry = ServiceRegistry.Build(serviceEntries, workloadEntries, report, _dns.Static);
        _dns.Static.Retain(registry.DnsQueries); // names no configuration uses any more are not refreshed
        var generation = _pools.Begin();
        var workload = Upstream.Tls.WorkloadCertificates.Load(options.IstioCertificates);
        if (workload?.Error is { } certificateError)
        {
            report(new ConfigDiagnostic(DiagnosticSeverity.Warning, workload.Directory, 0, null, null, null,
                $"workload certificates unusable: {certificateError}; ISTIO_MUTUAL connections fail until they are fixed"));
        }

        var clusters = ClusterBuilder.Build(registry, new DestinationRuleIndex(destinationRules, options.ProxyNamespace, options.ProxyLabels), generation, _random, _time, _dns.Dynamic, new ProxyWhereabouts(options.ProxyLocality, options.ProxyLabels), workload);
        var compiler = new RouteTableCompiler(registry, clusters, options, report);
        var routes = compiler.Compile(virtualServices);
        var destinations = DestinationIndex.Build(registry, clusters, routes, compiler.CompileTcp(virtualServices), compiler.CompileTls(virtualServices));
        var config = new RuntimeConfig(routes, clusters, Interlocked.Increment(ref _version), _time.GetUtcNow()) { Destinations = destinations, Workload = workload };
        return (config, generation);
    }
}
