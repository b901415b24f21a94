using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Tls;

/// <summary>
/// ISTIO_MUTUAL and auto mTLS with the workload certificates Istio mounts (cert-chain.pem, key.pem,
/// root-cert.pem): the sidecar presents its workload certificate, trusts only the mesh root, checks
/// the server's SPIFFE identity against the service's accounts, sends Istio's SNI
/// (<c>outbound_.PORT_.SUBSET_.HOST</c>) and offers Istio's in-mesh ALPN. The upstreams are Kestrel
/// HTTPS servers that require a client certificate and report what they saw.
/// </summary>
public sealed class IstioMutualTests : IDisposable
{
    private const string Host = "reviews.default.svc.cluster.local";
    private const string ReviewsIdentity = "spiffe://cluster.local/ns/default/sa/reviews";
    private const string MyIdentity = "spiffe://cluster.local/ns/default/sa/productpage";

    private readonly TestPki _pki = new("Mesh Root CA");

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task IstioMutual_PresentsTheWorkloadCertificate_WithIstiosSniAndAlpn()
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(
            _pki.IssueWorkloadServer(ReviewsIdentity), requireClientCertificate: true, alpn: ["istio-http/1.1", "http/1.1"]);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews"), Rule(Host, "{mode: ISTIO_MUTUAL}", subset: "v1")],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");
        using var toSubset = await sidecar.GetAsync(Host + ":9080", "/", ("x-subset", "v1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello over tls", await response.Content.ReadAsStringAsync());
        Assert.Equal("CN=productpage, O=cluster.local", Header(response, "x-client-cert"));
        Assert.Equal("outbound_.9080_._." + Host, Header(response, "x-sni"));
        Assert.Equal("istio-http/1.1", Header(response, "x-alpn")); // offered first, and this server prefers it
        Assert.Equal("outbound_.9080_.v1_." + Host, Header(toSubset, "x-sni"));
    }

    [Fact]
    public async Task IstioMutual_AServerWithAnotherIdentity_Is503UF_AndNothingGoesInPlaintext()
    {
        await using var impostor = await KestrelTlsUpstream.StartAsync(
            _pki.IssueWorkloadServer("spiffe://cluster.local/ns/default/sa/somebody-else"), requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, impostor.Port, serviceAccount: "reviews"), Rule(Host, "{mode: ISTIO_MUTUAL}")],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("CERTIFICATE_VERIFY_FAILED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("UF", (await sidecar.Telemetry.SingleAsync("/")).FlagCodes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IstioMutual_TheRulesSubjectAltNames_ReplaceTheServiceAccounts()
    {
        const string other = "spiffe://cluster.local/ns/default/sa/reviews-canary";
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueWorkloadServer(other), requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews"), Rule(Host, $"{{mode: ISTIO_MUTUAL, subjectAltNames: [\"{other}\"]}}")],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task IstioMutual_ToAnHttp2Cluster_SpeaksHttp2()
    {
        // Istio's list is istio-h2, istio, h2: a server without a sidecar (Kestrel, which serves an
        // HTTP/2-only endpoint over TLS only when h2 is negotiated) picks h2.
        await using var upstream = await KestrelTlsUpstream.StartAsync(
            _pki.IssueWorkloadServer(ReviewsIdentity), Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2, requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews", protocol: "HTTP2"), Rule(Host, "{mode: ISTIO_MUTUAL}")],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("h2", Header(response, "x-alpn"));
        Assert.Equal("HTTP/2", Header(response, "x-http"));
        Assert.Equal("CN=productpage, O=cluster.local", Header(response, "x-client-cert"));
    }

    [Fact]
    public async Task IstioMutual_TheServiceEntrysSubjectAltNames_AreAmongTheAccountsChecked()
    {
        const string declared = "spiffe://cluster.local/ns/payments/sa/ledger";
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueWorkloadServer(declared), requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews", subjectAltNames: declared), Rule(Host, "{mode: ISTIO_MUTUAL}")],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task IstioMutual_ARotatedWorkloadCertificate_IsUsedForNewConnections()
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueWorkloadServer(ReviewsIdentity), requireClientCertificate: true);
        var certs = _pki.IssueWorkloadFiles(MyIdentity);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews"), Rule(Host, "{mode: ISTIO_MUTUAL}")], watch: true, istioCerts: certs);
        using (var before = await sidecar.GetAsync(Host + ":9080"))
        {
            Assert.Equal("CN=productpage, O=cluster.local", Header(before, "x-client-cert"));
        }

        // The files are replaced in place, as a certificate rotation does: the folder is watched.
        _pki.IssueWorkloadFiles(MyIdentity + "-rotated", certs);

        var presented = "";
        for (var deadline = Environment.TickCount64 + 15_000; Environment.TickCount64 < deadline && presented != "CN=productpage-rotated, O=cluster.local";)
        {
            await Task.Delay(100);
            using var after = await sidecar.GetAsync(Host + ":9080");
            presented = Header(after, "x-client-cert");
        }

        Assert.Equal("CN=productpage-rotated, O=cluster.local", presented);
    }

    [Fact]
    public async Task TheEngine_SaysWhichMeshIdentityItUses_WhenReady()
    {
        var config = Directory.CreateTempSubdirectory("engine-identity-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "mesh.yaml"), Service(Host, 9, serviceAccount: "reviews"));
        var certs = _pki.IssueWorkloadFiles(MyIdentity);

        await using var engine = EngineProcess.Start($"run --config {config} --listen 127.0.0.1:{FreePort.Next()} --admin none --istio-certs {certs}");
        await engine.WaitForOutputAsync("ready on");

        Assert.Contains($"mesh identity {MyIdentity} ({certs})", engine.Output, StringComparison.Ordinal);
        Directory.Delete(config, recursive: true);
    }

    [Fact]
    public async Task IstioMutual_WithCertificatesThatDoNotLoad_FailsClosed()
    {
        var broken = _pki.IssueWorkloadFiles(MyIdentity);
        File.Delete(Path.Combine(broken, "key.pem"));
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueWorkloadServer(ReviewsIdentity), requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, upstream.Port, serviceAccount: "reviews"), Rule(Host, "{mode: ISTIO_MUTUAL}")], istioCerts: broken);

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("UF", (await sidecar.Telemetry.SingleAsync("/")).FlagCodes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IstioMutual_WithoutWorkloadCertificates_StaysPlaintext()
    {
        await using var plain = await Upstreams.StartAsync("plain");
        var missing = Path.Combine(_pki.Directory, "no-such-folder");
        await using var sidecar = await TestSidecar.StartAsync(
            [Service(Host, plain.PortOf("plain"), serviceAccount: "reviews"), Rule(Host, "{mode: ISTIO_MUTUAL}")], istioCerts: missing);

        Assert.Equal("plain", await sidecar.ServedByAsync(Host + ":9080"));
    }

    [Fact]
    public async Task AutoMtls_WorkloadsWithASidecarGetIstioMutual_OthersPlaintext_AndExternalServicesNever()
    {
        // No DestinationRule tls: a MESH_INTERNAL workload with a service account (or tlsMode: istio)
        // takes mTLS; one labelled tlsMode: disabled, and any MESH_EXTERNAL service, take plaintext.
        await using var meshed = await KestrelTlsUpstream.StartAsync(_pki.IssueWorkloadServer(ReviewsIdentity), requireClientCertificate: true, name: "meshed");
        await using var plain = await Upstreams.StartAsync("no-sidecar", "external");
        await using var sidecar = await TestSidecar.StartAsync(
            [
                Service(Host, meshed.Port, serviceAccount: "reviews"),
                Service("legacy.default.svc.cluster.local", plain.PortOf("no-sidecar"), serviceAccount: "legacy", labels: "security.istio.io/tlsMode: disabled"),
                Service("api.example.com", plain.PortOf("external"), serviceAccount: "api", location: "MESH_EXTERNAL"),
            ],
            istioCerts: _pki.IssueWorkloadFiles(MyIdentity));

        using var response = await sidecar.GetAsync(Host + ":9080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN=productpage, O=cluster.local", Header(response, "x-client-cert"));
        Assert.Equal("no-sidecar", await sidecar.ServedByAsync("legacy.default.svc.cluster.local:9080"));
        Assert.Equal("external", await sidecar.ServedByAsync("api.example.com:9080"));
    }

    private static string Service(string host, int upstreamPort, string serviceAccount, string labels = "", string location = "MESH_INTERNAL", string protocol = "HTTP", string subjectAltNames = "")
    {
        var endpoint = "{address: 127.0.0.1, ports: {http: " + upstreamPort + "}, serviceAccount: " + serviceAccount + ", labels: {version: v1" + (labels.Length > 0 ? ", " + labels : "") + "}}";
        return $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: {{host.Replace('.', '-')}}}
            spec:
              hosts: ["{{host}}"]
              location: {{location}}
              resolution: STATIC
              subjectAltNames: [{{subjectAltNames}}]
              ports:
              - {number: 9080, name: http, protocol: {{protocol}}}
              endpoints:
              - {{endpoint}}
            """;
    }

    /// <summary>The DestinationRule, and a VirtualService that sends x-subset: v1 to the subset when there is one.</summary>
    private static string Rule(string host, string tls, string? subset = null)
    {
        var subsets = subset is null ? "" : "  subsets:\n  - name: " + subset + "\n    labels: {version: v1}\n";
        var toSubset = subset is null ? "" : "  - match: [{headers: {x-subset: {exact: v1}}}]\n    route: [{destination: {host: " + host + ", subset: " + subset + "}}]\n";
        return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + host.Replace('.', '-') + "}\nspec:\n  host: " + host
            + "\n  trafficPolicy:\n    tls: " + tls + "\n" + subsets
            + "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + host.Replace('.', '-') + "}\nspec:\n  hosts: [" + host + "]\n  http:\n"
            + toSubset + "  - route: [{destination: {host: " + host + "}}]\n";
    }

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");
}
