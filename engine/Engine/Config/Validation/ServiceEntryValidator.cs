using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>What Istio's control plane rejects in a ServiceEntry (<c>ValidateServiceEntry</c>).</summary>
internal static class ServiceEntryValidator
{
    private static readonly HashSet<string> Protocols = new(StringComparer.OrdinalIgnoreCase)
    {
        "HTTP", "HTTPS", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB", "TCP", "TLS", "UDP", "MONGO", "REDIS", "MYSQL",
    };

    private static readonly HashSet<string> HttpProtocols = new(StringComparer.OrdinalIgnoreCase) { "HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB" };

    private static readonly HashSet<string> TlsProtocols = new(StringComparer.OrdinalIgnoreCase) { "HTTPS", "TLS" };

    public static void Validate(IstioResource<ServiceEntry> resource, ResourceReporter r)
    {
        var se = resource.Spec;
        var s = se.Source;
        if (se.WorkloadSelector is not null && !se.Endpoints.IsEmpty)
        {
            r.Error(s, "workloadSelector", "only one of workloadSelector or endpoints is allowed");
        }

        WorkloadSelector(r, se.WorkloadSelector, "labels");
        Hosts(r, se);
        Addresses(r, se);
        var portNames = Ports(r, se);

        // A resolution that failed to bind reads as NONE; its rules would only add noise.
        if (r.Failed(s, "resolution"))
        {
            ExportTo(r, s, se.ExportTo, isServiceEntry: true);
            return;
        }

        Resolution(r, se, portNames);
        if (se.Resolution != ServiceEntryResolution.None && se.Hosts.Length > 1
            && se.Ports.FirstOrDefault(p => !HttpProtocols.Contains(p.Protocol) && !TlsProtocols.Contains(p.Protocol)) is { } opaque)
        {
            r.Error(opaque.Source, "protocol", "multiple hosts are only allowed with HTTP or TLS ports (plain TCP cannot tell the hosts apart) unless resolution is NONE");
        }

        ExportTo(r, s, se.ExportTo, isServiceEntry: true);
    }

    private static void Hosts(ResourceReporter r, ServiceEntry se)
    {
        if (se.Hosts.IsEmpty)
        {
            r.Missing(se.Source, "service entry must have at least one host", "hosts");
        }

        for (var i = 0; i < se.Hosts.Length; i++)
        {
            var host = se.Hosts[i];
            if (host == "*")
            {
                r.Error(se.Source, $"hosts[{i}]", "invalid host *: a service entry cannot match every host");
            }
            else if (NameRules.CheckWildcardDomain(host) is { } error)
            {
                r.Error(se.Source, $"hosts[{i}]", error);
            }
            else if (host.Contains('*', StringComparison.Ordinal) && !host.StartsWith("*.", StringComparison.Ordinal))
            {
                r.Warning(se.Source, $"hosts[{i}]", $"partial wildcard \"{host}\" is not allowed");
            }
        }
    }

    private static void Addresses(ResourceReporter r, ServiceEntry se)
    {
        var cidr = false;
        for (var i = 0; i < se.Addresses.Length; i++)
        {
            var address = se.Addresses[i];
            cidr |= address.Contains('/', StringComparison.Ordinal);
            if (!NetAddress.IsIpOrCidr(address))
            {
                r.Error(se.Source, $"addresses[{i}]", $"\"{address}\" is not a valid IP address or CIDR block");
            }
        }

        if (cidr && se.Resolution is not (ServiceEntryResolution.None or ServiceEntryResolution.Static))
        {
            r.Error(se.Source, "addresses", "CIDR addresses are allowed only with resolution NONE or STATIC");
        }
    }

    /// <summary>Port numbers and names unique, names DNS labels, known protocols. Returns the port names.</summary>
    private static HashSet<string> Ports(ResourceReporter r, ServiceEntry se)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<uint>();
        foreach (var port in se.Ports)
        {
            var s = port.Source;
            if (!names.Add(port.Name))
            {
                r.Error(s, "name", $"service entry port name \"{port.Name}\" already defined");
            }

            if (!numbers.Add(port.Number))
            {
                r.Error(s, "number", $"service entry port {port.Number} already defined");
            }

            if (!NameRules.IsDns1123Label(port.Name))
            {
                r.Error(s, "name", port.Name.Length == 0 ? "port name is required" : $"invalid port name \"{port.Name}\" (must be a DNS-1123 label)");
            }

            if (port.Protocol.Length > 0 && !Protocols.Contains(port.Protocol))
            {
                r.Error(s, "protocol", $"unsupported protocol \"{port.Protocol}\" (use HTTP, HTTPS, HTTP2, GRPC, TCP, TLS, MONGO, …)");
            }

            if (ValueRules.CheckPort(port.Number) is { } error)
            {
                r.Error(s, "number", error);
            }

            if (port.TargetPort != 0)
            {
                if (ValueRules.CheckPort(port.TargetPort) is { } targetError)
                {
                    r.Error(s, "targetPort", targetError);
                }

                if (se.Resolution == ServiceEntryResolution.None)
                {
                    r.Warning(s, "targetPort", "targetPort has no effect when resolution is NONE");
                }
            }

            if (se.Addresses.IsEmpty && (port.Protocol.Length == 0 || port.Protocol.Equals("TCP", StringComparison.OrdinalIgnoreCase)))
            {
                r.Warning(s, "protocol", "addresses are required for ports serving TCP (or unset) protocol; without them the port is matched on port number alone");
            }
        }

        return names;
    }

    private static void Resolution(ResourceReporter r, ServiceEntry se, HashSet<string> portNames)
    {
        var s = se.Source;
        switch (se.Resolution)
        {
            case ServiceEntryResolution.None:
                if (!se.Endpoints.IsEmpty)
                {
                    r.Error(s, "endpoints", "no endpoints should be provided for resolution NONE");
                }

                if (se.WorkloadSelector is not null)
                {
                    r.Warning(s, "workloadSelector", "workloadSelector should not be set when resolution is NONE");
                }

                break;
            case ServiceEntryResolution.Static:
                foreach (var endpoint in se.Endpoints)
                {
                    WorkloadEntryValidator.Endpoint(r, endpoint, portNames, allowHostNames: false);
                }

                break;
            case ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin:
                if (se.Endpoints.IsEmpty)
                {
                    for (var i = 0; i < se.Hosts.Length; i++)
                    {
                        if (NameRules.CheckFqdn(se.Hosts[i]) is not null)
                        {
                            r.Error(s, $"hosts[{i}]", $"hosts must be FQDNs when resolution is {ResolutionName(se.Resolution)} and no endpoints are given");
                        }
                    }
                }

                if (se.Resolution == ServiceEntryResolution.DnsRoundRobin && se.Endpoints.Length > 1)
                {
                    r.Error(s, "endpoints", "there must be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN");
                }

                foreach (var endpoint in se.Endpoints)
                {
                    WorkloadEntryValidator.Endpoint(r, endpoint, portNames, allowHostNames: true);
                }

                if (se.WorkloadSelector is not null)
                {
                    r.Warning(s, "workloadSelector", $"workloadSelector should not be set when resolution is {ResolutionName(se.Resolution)}");
                }

                break;
            case ServiceEntryResolution.DynamicDns:
                if (!se.Endpoints.IsEmpty)
                {
                    r.Warning(s, "endpoints", "endpoints are ignored with resolution DYNAMIC_DNS (each request goes to its own host, resolved when first asked for and refreshed in the background)");
                }

                break;
        }
    }

    private static string ResolutionName(ServiceEntryResolution resolution) => resolution switch
    {
        ServiceEntryResolution.DnsRoundRobin => "DNS_ROUND_ROBIN",
        _ => resolution.ToString().ToUpperInvariant(),
    };
}
