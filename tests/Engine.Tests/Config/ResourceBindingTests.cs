namespace Engine.Tests.Config;

/// <summary>Document-level rules: apiVersion, kind, metadata, spec, status, skipped kinds, List.</summary>
public sealed class ResourceBindingTests
{
    [Theory]
    [InlineData("networking.istio.io/v1")]
    [InlineData("networking.istio.io/v1beta1")]
    [InlineData("networking.istio.io/v1alpha3")]
    public void Load_SupportedApiVersions_Accepted(string apiVersion)
    {
        var snapshot = ConfigAssert.LoadValid($"""
            apiVersion: {apiVersion}
            kind: WorkloadEntry
            metadata: {"{name: vm}"}
            spec: {"{address: 10.0.0.1}"}
            """);

        Assert.Equal(apiVersion, snapshot.WorkloadEntries[0].ApiVersion);
    }

    [Theory]
    [InlineData("networking.istio.io/v2", 1, "apiVersion", "unsupported apiVersion \"networking.istio.io/v2\" for WorkloadEntry")]
    [InlineData("v1", 1, "apiVersion", "unsupported apiVersion \"v1\"")]
    public void Load_UnknownApiVersion_IsError(string apiVersion, int line, string path, string message)
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load($"""
            apiVersion: {apiVersion}
            kind: WorkloadEntry
            metadata: {"{name: vm}"}
            spec: {"{address: 10.0.0.1}"}
            """));

        Assert.Equal((line, path), (error.Line, error.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("test.yaml:1: WorkloadEntry/vm apiVersion: " + error.Message, error.ToString());
    }

    [Fact]
    public void Load_MissingApiVersionKindNameOrSpec_AreErrors()
    {
        var result = ConfigAssert.Load("""
            kind: ServiceEntry
            metadata:
              namespace: prod
            ---
            apiVersion: networking.istio.io/v1
            metadata: {name: x}
            spec: {}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: no-spec}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: null-spec}
            spec:
            """);

        ConfigAssert.HasError(result, 1, "apiVersion", "apiVersion is required");
        ConfigAssert.HasError(result, 1, "metadata.name", "metadata.name is required");
        ConfigAssert.HasError(result, 1, "spec", "spec is required");
        ConfigAssert.HasError(result, 5, "kind", "kind is required");
        ConfigAssert.HasError(result, 9, "spec", "spec is required");
        ConfigAssert.HasError(result, 16, "spec", "spec is required");
        Assert.Equal(6, result.Errors.Count());
        Assert.Equal("test.yaml:9: DestinationRule/no-spec spec: spec is required", result.Errors.Single(e => e.Line == 9).ToString());
    }

    [Fact]
    public void Load_MetadataNamespaceDefaultsAndExtraFieldsTolerated()
    {
        var snapshot = ConfigAssert.LoadValid("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata:
              name: defaulted
              uid: 7d3c8c5e-1111-2222-3333-444455556666
              resourceVersion: "12345"
              generation: 3
              managedFields:
              - manager: kubectl
                operation: Update
              labels: {app: details, version: v1}
              annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
              creationTimestamp: "2024-05-01T10:00:00Z"
            spec: {address: 10.0.0.1}
            status:
              conditions: [{type: Ready}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: explicit, namespace: prod}
            spec: {address: 10.0.0.2}
            """, defaultNamespace: "bookinfo");

        var first = snapshot.WorkloadEntries[0];
        Assert.Equal(("defaulted", "bookinfo"), (first.Name, first.Namespace));
        Assert.Equal(new[] { "app", "version" }, first.Metadata.Labels.Keys);
        Assert.Equal("{}", first.Metadata.Annotations["kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), first.Metadata.CreationTimestamp);
        Assert.Equal(("test.yaml", 1), (first.Source.File, first.Source.Line));
        Assert.Equal("prod", snapshot.WorkloadEntries[1].Namespace);
        Assert.Equal(18, snapshot.WorkloadEntries[1].Source.Line);
    }

    [Fact]
    public void Load_BadCreationTimestamp_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata:
              name: vm
              creationTimestamp: yesterday
            spec: {address: 10.0.0.1}
            """));

        Assert.Equal((5, "metadata.creationTimestamp"), (error.Line, error.Path));
        Assert.Contains("RFC 3339", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownTopLevelField_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm}
            spec: {address: 10.0.0.1}
            specs: {}
            """));

        Assert.Equal((5, "specs", "unknown field \"specs\""), (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void Load_OtherKinds_SkippedWithWarning()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: bookinfo-gateway}
            spec:
              selector: {istio: ingressgateway}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: reviews}
            spec: {ports: [{port: 9080}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default}
            spec: {egress: [{hosts: ["./*"]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm}
            spec: {address: 10.0.0.1}
            """);

        Assert.True(result.Succeeded);
        Assert.Single(result.Snapshot!.WorkloadEntries);
        var gateway = ConfigAssert.HasWarning(result, 2, null, "skipped: kind Gateway is not used by the sidecar");
        Assert.Equal("test.yaml:2: warning: Gateway/bookinfo-gateway: skipped: kind Gateway is not used by the sidecar (only VirtualService, DestinationRule, ServiceEntry and WorkloadEntry are)", gateway.ToString());
        ConfigAssert.HasWarning(result, 8, null, "kind Service");
        ConfigAssert.HasWarning(result, 13, null, "kind Sidecar");
    }

    [Fact]
    public void Load_ListKind_BindsItems()
    {
        var snapshot = ConfigAssert.LoadValid("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: networking.istio.io/v1
              kind: WorkloadEntry
              metadata: {name: a}
              spec: {address: 10.0.0.1}
            - apiVersion: networking.istio.io/v1
              kind: WorkloadEntry
              metadata: {name: b}
              spec: {address: 10.0.0.2}
            """);

        Assert.Equal(new[] { "a", "b" }, snapshot.WorkloadEntries.Select(w => w.Name));
        Assert.Equal(8, snapshot.WorkloadEntries[1].Source.Line);
    }

    [Fact]
    public void Load_DocumentNotAMapping_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load("- a\n- b\n"));

        Assert.Equal(1, error.Line);
        Assert.StartsWith("expected a Kubernetes resource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SameResourceTwice_IsError()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm}
            spec: {address: 10.0.0.1}
            ---
            apiVersion: networking.istio.io/v1alpha3
            kind: WorkloadEntry
            metadata: {name: vm, namespace: default}
            spec: {address: 10.0.0.2}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm, namespace: other}
            spec: {address: 10.0.0.3}
            """);

        var error = ConfigAssert.SingleError(result);
        Assert.Equal("test.yaml:6: WorkloadEntry/vm: WorkloadEntry default/vm is defined more than once (first at test.yaml:1)", error.ToString());
    }
}
