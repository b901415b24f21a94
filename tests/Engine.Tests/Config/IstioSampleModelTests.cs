using Engine.Config;
using Engine.Config.Model;

namespace Engine.Tests.Config;

/// <summary>Spot checks that Istio's own samples bind to the model as Istio documents them.</summary>
public sealed class IstioSampleModelTests
{
    [SampleFact]
    public void Load_JasonV2V3_HeaderMatchExactJasonThenCatchAll()
    {
        var snapshot = LoadSample("bookinfo-virtual-service-reviews-jason-v2-v3.yaml");

        var vs = Assert.Single(snapshot.VirtualServices);
        Assert.Equal(new[] { "reviews" }, vs.Spec.Hosts);
        Assert.Equal(2, vs.Spec.Http.Length);
        var header = vs.Spec.Http[0].Match[0].Headers["end-user"];
        Assert.Equal(new StringMatch(StringMatchKind.Exact, "jason") { Source = header.Source }, header);
        Assert.Equal("v2", vs.Spec.Http[0].Route[0].Destination!.Subset);
        Assert.True(vs.Spec.Http[1].Match.IsEmpty);
        Assert.Equal("v3", vs.Spec.Http[1].Route[0].Destination!.Subset);
        Assert.Equal("default", vs.Namespace);
    }

    [SampleFact]
    public void Load_Reviews8020_WeightsAreKept()
    {
        var vs = Assert.Single(LoadSample("bookinfo-virtual-service-reviews-80-20.yaml").VirtualServices);

        var route = vs.Spec.Http[0].Route;
        Assert.Equal(new[] { 80, 20 }, route.Select(d => d.Weight));
        Assert.Equal(new[] { "v1", "v2" }, route.Select(d => d.Destination!.Subset));
    }

    [SampleFact]
    public void Load_DelegateSample_RootDelegatesAndDelegatesHaveNoHosts()
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf("api-vs-delegate-root-and-delegates.yaml")], "default");
        var snapshot = result.Snapshot!;

        Assert.Equal(3, snapshot.VirtualServices.Length);
        var root = snapshot.VirtualServices[0];
        Assert.Equal("productpage", root.Spec.Http[0].Delegate!.Name);
        Assert.Equal("nsA", root.Spec.Http[0].Delegate!.Namespace);
        Assert.Equal("nsB", root.Spec.Http[1].Delegate!.Namespace);
        Assert.All(snapshot.VirtualServices.Skip(1), d => Assert.True(d.Spec.IsDelegate));

        // The second document is indented unusually ("- uri:" at column 6, "prefix" at column 9).
        var productpage = snapshot.VirtualServices[1];
        Assert.Equal("nsA", productpage.Namespace);
        Assert.Equal(new StringMatch(StringMatchKind.Prefix, "/productpage/v1/") { Source = productpage.Spec.Http[0].Match[0].Uri!.Source }, productpage.Spec.Http[0].Match[0].Uri);
        Assert.Equal(32, productpage.Spec.Http[0].Match[0].Uri!.Source.Line);

        // The root is bound to a gateway only.
        ConfigAssert.HasWarning(result, 8, "spec.gateways", "does not apply to sidecars");
    }

    [SampleFact]
    public void Load_CorsSample_BindsEveryField()
    {
        var vs = Assert.Single(LoadSample("api-vs-cors-policy.yaml").VirtualServices);

        var cors = vs.Spec.Http[0].CorsPolicy!;
        Assert.Equal(StringMatchKind.Exact, cors.AllowOrigins[0].Kind);
        Assert.Equal("https://example.com", cors.AllowOrigins[0].Value);
        Assert.Equal(new[] { "POST", "GET" }, cors.AllowMethods);
        Assert.Equal(new[] { "X-Foo-Bar" }, cors.AllowHeaders);
        Assert.False(cors.AllowCredentials);
        Assert.Equal(TimeSpan.FromHours(24), cors.MaxAge);
    }

    [SampleFact]
    public void Load_RedirectSample_BindsSnakeCasePrefixRewrite()
    {
        var vs = Assert.Single(LoadSample("api-vs-redirect-prefix-rewrite.yaml").VirtualServices);

        var redirect = vs.Spec.Http[0].Redirect!;
        Assert.Equal("foo.example.com", redirect.Authority);
        Assert.Equal("/", redirect.PrefixRewrite);
        Assert.Equal("spec.http[0].redirect", redirect.Source.Path);
    }

    [SampleFact]
    public void Load_RetriesSample_BindsAttemptsTimeoutAndRetryOn()
    {
        var vs = Assert.Single(LoadSample("api-vs-retries.yaml").VirtualServices);

        var retries = vs.Spec.Http[0].Retries!;
        Assert.Equal(3, retries.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(2), retries.PerTryTimeout);
        Assert.Equal("gateway-error,connect-failure,refused-stream", retries.RetryOn);
    }

    [SampleFact]
    public void Load_DeprecatedPercentSample_BindsPercentAndWarns()
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf("docs-request-timeouts-ratings-delay-2s.yaml")], "default");

        var delay = result.Snapshot!.VirtualServices[0].Spec.Http[0].Fault!.Delay!;
        Assert.Equal(100, delay.Percent);
        Assert.Null(delay.Percentage);
        Assert.Equal(TimeSpan.FromSeconds(2), delay.FixedDelay);
        ConfigAssert.HasWarning(result, 11, "spec.http[0].fault.delay.percent", "deprecated");
    }

    [SampleFact]
    public void Load_TimeoutSample_BindsHalfSecond()
    {
        var vs = Assert.Single(LoadSample("docs-request-timeouts-reviews-timeout-0.5s.yaml").VirtualServices);

        Assert.Equal(TimeSpan.FromMilliseconds(500), vs.Spec.Http[0].Timeout);
    }

    [SampleFact]
    public void Load_DestinationRuleAll_TrailingDocumentSeparatorIsIgnored()
    {
        var text = File.ReadAllText(IstioSamples.PathOf("bookinfo-destination-rule-all.yaml"));
        Assert.EndsWith("---\n", text);

        var snapshot = LoadSample("bookinfo-destination-rule-all.yaml");

        Assert.Equal(new[] { "productpage", "reviews", "ratings", "details" }, snapshot.DestinationRules.Select(d => d.Name));
        Assert.Equal(new[] { "v1", "v2", "v2-mysql", "v2-mysql-vm" }, snapshot.DestinationRules[2].Spec.Subsets.Select(s => s.Name));
        Assert.Equal("v2-mysql", snapshot.DestinationRules[2].Spec.Subsets[2].Labels["version"]);
    }

    [SampleFact]
    public void Load_GoogleApisEgress_PortLevelSettingsAndPortMatch()
    {
        var snapshot = LoadSample("bookinfo-egress-rule-google-apis.yaml");

        var se = Assert.Single(snapshot.ServiceEntries);
        Assert.Equal(ServiceEntryResolution.Dns, se.Spec.Resolution);
        Assert.Equal(new[] { 80u, 443u }, se.Spec.Ports.Select(p => p.Number));
        Assert.Equal(new[] { "HTTP", "HTTPS" }, se.Spec.Ports.Select(p => p.Protocol));

        var vs = Assert.Single(snapshot.VirtualServices);
        Assert.Equal(80u, vs.Spec.Http[0].Match[0].Port);
        Assert.Equal(443u, vs.Spec.Http[0].Route[0].Destination!.Port!.Number);

        var policy = Assert.Single(snapshot.DestinationRules).Spec.TrafficPolicy!;
        Assert.Equal(SimpleLb.RoundRobin, policy.LoadBalancer!.Simple);
        var port = Assert.Single(policy.PortLevelSettings);
        Assert.Equal(443u, port.Port!.Number);
        Assert.Equal(TlsMode.Simple, port.Tls!.Mode);
        Assert.Null(port.LoadBalancer);
    }

    [SampleFact]
    public void Load_WorkloadEntrySelectorSample_BindsEntriesAndSelector()
    {
        var snapshot = LoadSample("api-se-workloadentry-workloadselector-details.yaml");

        Assert.Equal(new[] { "2.2.2.2", "3.3.3.3" }, snapshot.WorkloadEntries.Select(w => w.Spec.Address));
        Assert.Equal("details", snapshot.WorkloadEntries[0].Spec.ServiceAccount);
        Assert.Equal("vm1", snapshot.WorkloadEntries[0].Spec.Labels["instance-id"]);
        var se = Assert.Single(snapshot.ServiceEntries).Spec;
        Assert.Equal(ServiceEntryLocation.MeshInternal, se.Location);
        Assert.Equal(ServiceEntryResolution.Static, se.Resolution);
        Assert.Equal("details", se.WorkloadSelector!.Labels["app"]);
    }

    [SampleFact]
    public void Load_MongoClusterSample_StaticEndpointsCidrAndMutualTls()
    {
        // The sample's certificate files (/etc/certs/…) are not on this machine: throwaway ones stand in.
        var directory = Directory.CreateTempSubdirectory("engine-sample-certs-").FullName;
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=client", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "myclientcert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "rootcacerts.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "client_private_key.pem"), key.ExportPkcs8PrivateKeyPem());
        var yaml = File.ReadAllText(IstioSamples.PathOf("api-se-static-endpoints-mongocluster.yaml")).Replace("/etc/certs/", directory + "/", StringComparison.Ordinal);
        var result = ConfigLoader.LoadText(yaml, "api-se-static-endpoints-mongocluster.yaml", "default");
        Directory.Delete(directory, recursive: true);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var snapshot = result.Snapshot!;

        var se = Assert.Single(snapshot.ServiceEntries).Spec;
        Assert.Equal(new[] { "192.192.192.192/24" }, se.Addresses);
        Assert.Equal(new[] { "2.2.2.2", "3.3.3.3" }, se.Endpoints.Select(e => e.Address));
        var tls = Assert.Single(snapshot.DestinationRules).Spec.TrafficPolicy!.Tls!;
        Assert.Equal(TlsMode.Mutual, tls.Mode);
        Assert.EndsWith("/myclientcert.pem", tls.ClientCertificate, StringComparison.Ordinal);
    }

    [SampleFact]
    public void Load_CircuitBreakingSample_PoolAndOutlierDetection()
    {
        var policy = Assert.Single(LoadSample("docs-circuit-breaking-httpbin-destination-rule.yaml").DestinationRules).Spec.TrafficPolicy!;

        Assert.Equal(1, policy.ConnectionPool!.Tcp!.MaxConnections);
        Assert.Equal(1, policy.ConnectionPool.Http!.Http1MaxPendingRequests);
        Assert.Equal(1, policy.ConnectionPool.Http.MaxRequestsPerConnection);
        Assert.Equal(1u, policy.OutlierDetection!.Consecutive5xxErrors);
        Assert.Null(policy.OutlierDetection.ConsecutiveGatewayErrors);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.OutlierDetection.Interval);
        Assert.Equal(TimeSpan.FromMinutes(3), policy.OutlierDetection.BaseEjectionTime);
        Assert.Equal(100, policy.OutlierDetection.MaxEjectionPercent);
    }

    [SampleFact]
    public void Load_MirrorSample_MirrorAndPercentage()
    {
        var route = Assert.Single(LoadSample("docs-mirroring-httpbin-mirror-v2.yaml").VirtualServices).Spec.Http[0];

        Assert.Equal("httpbin", route.Mirror!.Host);
        Assert.Equal("v2", route.Mirror.Subset);
        Assert.Equal(100.0, route.MirrorPercentage);
    }

    [SampleFact]
    public void Load_HeadersAndWeightsSample_RouteAndDestinationHeaders()
    {
        var route = Assert.Single(LoadSample("api-vs-headers-and-weights.yaml").VirtualServices).Spec.Http[0];

        Assert.Equal("true", route.Headers!.Request!.Set["test"]);
        Assert.Null(route.Route[0].Headers);
        Assert.Equal(new[] { "foo" }, route.Route[1].Headers!.Response!.Remove);
        Assert.Equal(new[] { 25, 75 }, route.Route.Select(d => d.Weight));
    }

    [SampleFact]
    public void Load_AbortSample_HttpStatusAndPercentage()
    {
        var abort = Assert.Single(LoadSample("bookinfo-fault-injection-details-v1.yaml").VirtualServices).Spec.Http[0].Fault!.Abort!;

        Assert.Equal(555, abort.HttpStatus);
        Assert.Equal(100.0, abort.Percentage);
    }

    [SampleFact]
    public void Load_FaultInjectionSample_WarnsAboutUnreachableSecondRule()
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf("bookinfo-fault-injection-details-v1.yaml")], "default");

        ConfigAssert.HasWarning(result, 18, "spec.http[1]", "unreachable");
    }

    [SampleFact]
    public void Load_TcpEchoGatewaySample_LoadsWithNotForSidecarWarning()
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf("tcp-echo-tcp-echo-20-v2.yaml")], "default");

        var vs = Assert.Single(result.Snapshot!.VirtualServices).Spec;
        Assert.False(vs.AppliesToMesh);
        Assert.Equal(new[] { "*" }, vs.Hosts);
        Assert.Equal(31400u, vs.Tcp[0].Match[0].Port);
        Assert.Equal(new[] { 80, 20 }, vs.Tcp[0].Route.Select(d => d.Weight));
        Assert.Equal(9000u, vs.Tcp[0].Route[0].Destination!.Port!.Number);
        ConfigAssert.HasWarning(result, 22, "spec.gateways", "does not apply to sidecars");
    }

    [SampleFact]
    public void Load_GithubSample_ResolutionNoneDefaultAndLowerCaseProtocol()
    {
        var snapshot = LoadSample("external-github.yaml");

        Assert.All(snapshot.ServiceEntries, se => Assert.Equal(ServiceEntryResolution.None, se.Spec.Resolution));
        Assert.Equal("tcp", snapshot.ServiceEntries[1].Spec.Ports[0].Protocol);
        Assert.Equal(18, snapshot.ServiceEntries[1].Spec.Addresses.Length);
    }

    [SampleFact]
    public void Load_MtlsDestinationRules_IstioMutual()
    {
        var snapshot = LoadSample("bookinfo-destination-rule-all-mtls.yaml");

        Assert.All(snapshot.DestinationRules, dr => Assert.Equal(TlsMode.IstioMutual, dr.Spec.TrafficPolicy!.Tls!.Mode));
    }

    [SampleFact]
    public void Load_AllSamplesOfOneKind_ShortHostsResolveInResourceNamespace()
    {
        var vs = LoadSample("bookinfo-virtual-service-all-v1.yaml").VirtualServices;

        Assert.Equal(
            ["productpage.default.svc.cluster.local", "reviews.default.svc.cluster.local", "ratings.default.svc.cluster.local", "details.default.svc.cluster.local"],
            vs.Select(v => IstioHost.ResolveShortName(v.Spec.Hosts[0], v.Namespace)));
    }

    private static ConfigSnapshot LoadSample(string fileName)
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf(fileName)], "default");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Snapshot!;
    }
}
