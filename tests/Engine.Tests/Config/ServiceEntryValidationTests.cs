namespace Engine.Tests.Config;

/// <summary>ServiceEntry and WorkloadEntry rules as Istio's control plane enforces them.</summary>
public sealed class ServiceEntryValidationTests
{
    [Fact]
    public void Validate_HostsAndPortsRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: se}
            spec:
              hosts: ["*", "api.example.com", "foo*.example.com"]
              addresses: [240.0.0.1]
              ports:
              - {number: 80, name: http, protocol: HTTP}
              - {number: 80, name: http, protocol: HTTP}
              - {number: 0, name: Bad_Name, protocol: SMTP}
              - {number: 8443, protocol: TLS}
              resolution: NONE
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: nohosts}
            spec:
              ports: [{number: 80, name: http, protocol: HTTP}]
            """);

        ConfigAssert.HasError(result, 5, "spec.hosts[0]", "invalid host *");
        ConfigAssert.HasError(result, 5, "spec.hosts[2]", "label \"foo*\" is invalid");
        ConfigAssert.HasError(result, 9, "spec.ports[1].name", "service entry port name \"http\" already defined");
        ConfigAssert.HasError(result, 9, "spec.ports[1].number", "service entry port 80 already defined");
        ConfigAssert.HasError(result, 10, "spec.ports[2].name", "invalid port name \"Bad_Name\"");
        ConfigAssert.HasError(result, 10, "spec.ports[2].protocol", "unsupported protocol \"SMTP\"");
        ConfigAssert.HasError(result, 10, "spec.ports[2].number", "port number 0 must be in the range 1..65535");
        ConfigAssert.HasError(result, 11, "spec.ports[3].name", "port name is required");
        ConfigAssert.HasError(result, 17, "spec", "service entry must have at least one host");
        Assert.Equal(9, result.Errors.Count());
    }

    [Fact]
    public void Validate_ResolutionAndEndpointsRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: none-with-endpoints}
            spec:
              hosts: [a.example.com]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: NONE
              endpoints: [{address: 10.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: dns-rr}
            spec:
              hosts: [b.example.com]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS_ROUND_ROBIN
              endpoints: [{address: b1.example.com}, {address: b2.example.com}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: static}
            spec:
              hosts: [c.example.com]
              addresses: [10.10.0.0/16]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints:
              - address: c1.example.com
              - address: 10.0.0.3
                ports: {grpc: 9090}
              workloadSelector: {labels: {app: c}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: dns-cidr}
            spec:
              hosts: ["*.d.example.com"]
              addresses: [10.20.0.0/16]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: DNS
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: multi-host-tcp}
            spec:
              hosts: [e1.example.com, e2.example.com]
              addresses: [240.0.0.5]
              ports: [{number: 5432, name: pg, protocol: TCP}]
              resolution: DNS
            """);

        ConfigAssert.HasError(result, 8, "spec.endpoints", "no endpoints should be provided for resolution NONE");
        ConfigAssert.HasError(result, 17, "spec.endpoints", "there must be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN");
        ConfigAssert.HasError(result, 31, "spec.workloadSelector", "only one of workloadSelector or endpoints is allowed");
        ConfigAssert.HasError(result, 28, "spec.endpoints[0].address", "endpoint address \"c1.example.com\" is not a valid IP address");
        ConfigAssert.HasError(result, 30, "spec.endpoints[1].ports.grpc", "endpoint port \"grpc\" is not defined by the service entry");
        ConfigAssert.HasError(result, 38, "spec.addresses", "CIDR addresses are allowed only with resolution NONE or STATIC");
        ConfigAssert.HasError(result, 37, "spec.hosts[0]", "hosts must be FQDNs when resolution is DNS and no endpoints are given");
        ConfigAssert.HasError(result, 48, "spec.ports[0].protocol", "multiple hosts are only allowed with HTTP or TLS ports");
        Assert.Equal(8, result.Errors.Count());
    }

    [Fact]
    public void Validate_TcpPortWithoutAddresses_Warns()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: tcp}
            spec:
              hosts: [db.example.com]
              ports: [{number: 5432, name: pg, protocol: TCP}]
              resolution: DNS
            """);

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 6, "spec.ports[0].protocol", "addresses are required for ports serving TCP");
    }

    [Fact]
    public void Validate_WorkloadEntryRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: no-address}
            spec: {labels: {app: a}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: network-only}
            spec: {network: remote}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: bad}
            spec:
              address: "not an address"
              ports: {Bad_Port: 70000}
              labels: {version: "v 1"}
              locality: us-east//zone
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: unix}
            spec:
              address: unix://relative.sock
              ports: {http: 80}
            """);

        ConfigAssert.HasError(result, 4, "spec.address", "address is required (unless network is set)");
        ConfigAssert.HasError(result, 15, "spec.address", "endpoint address \"not an address\" is not a valid FQDN or an IP address");
        ConfigAssert.HasError(result, 16, "spec.ports.Bad_Port", "invalid port name \"Bad_Port\"");
        ConfigAssert.HasError(result, 16, "spec.ports.Bad_Port", "port number 70000 must be in the range 1..65535");
        ConfigAssert.HasError(result, 17, "spec.labels.version", "invalid label value \"v 1\"");
        ConfigAssert.HasError(result, 18, "spec.locality", "without empty parts");
        ConfigAssert.HasError(result, 24, "spec.address", "is not an absolute path to a unix socket");
        ConfigAssert.HasError(result, 25, "spec.ports", "must not include ports");
        Assert.Equal(8, result.Errors.Count());
        ConfigAssert.HasWarning(result, 9, "spec.address", "address is unset with network \"remote\"");
    }
}
