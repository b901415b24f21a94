using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engine.IntegrationTests.Tls;

/// <summary>
/// DestinationRule <c>tls</c> SIMPLE and MUTUAL: the client speaks plain HTTP to the sidecar and
/// the sidecar speaks TLS to a real Kestrel HTTPS upstream, which reports what it saw (TLS
/// version, SNI, ALPN, client certificate). Certificates are made at run time by <see cref="TestPki"/>.
/// </summary>
public sealed class TlsOriginationTests : IDisposable
{
    private const string ConnectFailurePrefix = "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: ";
    private const string VerifyFailed = "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end";

    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Simple_WithCaCertificates_OriginatesTls_WithTheServiceHostAsSni()
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("secure.example.test"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("secure.example.test", 8080, upstream.Port),
            Rule("secure.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\"}}"),
        ]);

        using var response = await sidecar.GetAsync("secure.example.test:8080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello over tls", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("Tls1", Header(response, "x-tls"), StringComparison.Ordinal);
        Assert.Equal("secure.example.test", Header(response, "x-sni"));
        Assert.Equal("HTTP/1.1", Header(response, "x-http"));
        Assert.Equal("", Header(response, "x-alpn")); // Istio offers no ALPN to an HTTP/1.1 cluster
    }

    [Fact]
    public async Task Simple_UntrustedServerCertificate_Is503UF_WithTheTransportFailureReason_AndOtherClustersStillWork()
    {
        using var stranger = new TestPki("Somebody Else's CA");
        await using var good = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("good.example.test"), name: "good");
        await using var bad = await KestrelTlsUpstream.StartAsync(stranger.IssueServer("bad.example.test"), name: "bad");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("good.example.test", 8080, good.Port),
            Service("bad.example.test", 8080, bad.Port),
            Rule("good.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\"}}"),
            Rule("bad.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\"}}"),
        ]);

        await AssertCertificateRefusedAsync(sidecar, "bad.example.test:8080", "/bad");
        Assert.Contains("UF", (await sidecar.Telemetry.SingleAsync("/bad")).FlagCodes, StringComparison.Ordinal);

        Assert.Equal("good", await sidecar.ServedByAsync("good.example.test:8080"));
        Assert.Equal("status 503", await sidecar.ServedByAsync("bad.example.test:8080"));
        Assert.Equal("good", await sidecar.ServedByAsync("good.example.test:8080"));
    }

    [Fact]
    public async Task Simple_WithoutCaCertificates_VerifiesAgainstTheSystemTrustStore()
    {
        // Our test CA is in no system store: the handshake must fail, not fall back to trusting anything.
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("secure.example.test"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("secure.example.test", 8080, upstream.Port),
            Rule("secure.example.test", "{mode: SIMPLE}"),
        ]);

        using var response = await sidecar.GetAsync("secure.example.test:8080");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.EndsWith(VerifyFailed, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simple_SubjectAltNames_MustNameTheCertificate_AndWithoutThemTheHostMust()
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("secure.example.test", "*.wild.example.test"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("matching.example.test", 8080, upstream.Port),
            Service("wildcard.example.test", 8080, upstream.Port),
            Service("mismatch.example.test", 8080, upstream.Port),
            Service("wrong-host.example.test", 8080, upstream.Port),
            Service("sni-only.example.test", 8080, upstream.Port),
            Rule("matching.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", subjectAltNames: [secure.example.test]}}"),
            Rule("wildcard.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", subjectAltNames: [api.wild.example.test]}}"),
            Rule("mismatch.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", subjectAltNames: [other.example.test, a.b.wild.example.test]}}"),
            Rule("wrong-host.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\"}}"),

            // An explicit sni without subjectAltNames checks the chain only, as Envoy does.
            Rule("sni-only.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", sni: custom.sni.test}}"),
        ]);

        Assert.Equal("tls", await sidecar.ServedByAsync("matching.example.test:8080"));
        Assert.Equal("tls", await sidecar.ServedByAsync("wildcard.example.test:8080"));
        Assert.Equal("status 503", await sidecar.ServedByAsync("mismatch.example.test:8080"));
        Assert.Equal("status 503", await sidecar.ServedByAsync("wrong-host.example.test:8080")); // auto_san_validation: the host is not in the certificate
        using var sniOnly = await sidecar.GetAsync("sni-only.example.test:8080");
        Assert.Equal(HttpStatusCode.OK, sniOnly.StatusCode);
        Assert.Equal("custom.sni.test", Header(sniOnly, "x-sni"));
    }

    [Fact]
    public async Task Simple_InsecureSkipVerify_AcceptsAnyCertificate()
    {
        using var stranger = new TestPki("Untrusted CA");
        await using var upstream = await KestrelTlsUpstream.StartAsync(stranger.IssueServer("unrelated.name"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("secure.example.test", 8080, upstream.Port),
            Rule("secure.example.test", "{mode: SIMPLE, insecureSkipVerify: true}"),
        ]);

        using var response = await sidecar.GetAsync("secure.example.test:8080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Tls1", Header(response, "x-tls"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutual_PresentsTheClientCertificate()
    {
        var (certificate, key) = _pki.IssueClientFiles("engine-client");
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("mtls.example.test"), requireClientCertificate: true);
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("mtls.example.test", 8080, upstream.Port),
            Service("no-cert.example.test", 8080, upstream.Port),
            Rule("mtls.example.test", $"{{mode: MUTUAL, caCertificates: \"{_pki.CaPath}\", clientCertificate: \"{certificate}\", privateKey: \"{key}\", subjectAltNames: [mtls.example.test]}}"),
            Rule("no-cert.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", subjectAltNames: [mtls.example.test]}}"),
        ]);

        using var response = await sidecar.GetAsync("mtls.example.test:8080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN=engine-client", Header(response, "x-client-cert"));

        // The server requires a certificate: without one it refuses the connection (under TLS 1.3 its
        // alert comes after the client's side of the handshake is done, so this reads as a reset).
        using var refused = await sidecar.GetAsync("no-cert.example.test:8080");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.StartsWith("upstream connect error or disconnect/reset before headers.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Http2Port_OverTls_NegotiatesH2ByAlpn(bool h2cClient)
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("grpc.example.test"), HttpProtocols.Http2);
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("grpc.example.test", 8080, "http2", [(upstream.Port, NoLabels)], protocol: "HTTP2"),
            Rule("grpc.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\"}}"),
        ],
        http2: h2cClient);

        for (var i = 0; i < 3; i++)
        {
            using var response = await sidecar.GetAsync("grpc.example.test:8080");
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal("HTTP/2", Header(response, "x-http"));
            Assert.Equal("h2", Header(response, "x-alpn"));
            Assert.Equal("grpc.example.test", Header(response, "x-sni"));
        }
    }

    [Fact]
    public async Task EgressOrigination_Port80Http_ToTargetPortOverTls_WithPortLevelTls()
    {
        // Istio's egress TLS origination: the app sends plain HTTP to port 80, the sidecar sends TLS
        // to the target port (443 in the Istio task; the upstream's loopback port here).
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("egress.example.test"));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: egress}
            spec:
              hosts: [egress.example.test]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports:
              - {number: 80, name: http-port, protocol: HTTP, targetPort: {{upstream.Port}}}
              endpoints:
              - address: 127.0.0.1
            """,
            $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: egress}
            spec:
              host: egress.example.test
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                portLevelSettings:
                - port: {number: 80}
                  tls: {mode: SIMPLE, caCertificates: "{{_pki.CaPath}}"}
            """,
        ]);

        using var response = await sidecar.GetAsync("egress.example.test");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Tls1", Header(response, "x-tls"), StringComparison.Ordinal);
        Assert.Equal("egress.example.test", Header(response, "x-sni"));
    }

    [Fact]
    public async Task TlsFailure_IsRetriedAsAConnectFailure_AndEjectedByOutlierDetection()
    {
        using var stranger = new TestPki("Somebody Else's CA");
        await using var good = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("pair.example.test"), name: "good");
        await using var bad = await KestrelTlsUpstream.StartAsync(stranger.IssueServer("pair.example.test"), name: "bad");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("pair.example.test", 8080, "http", [(bad.Port, NoLabels), (good.Port, NoLabels)]),
            $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: pair}
            spec:
              host: pair.example.test
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 5m, maxEjectionPercent: 100}
                tls: {mode: SIMPLE, caCertificates: "{{_pki.CaPath}}"}
            """,
        ]);

        // Istio's default retry policy retries connect failures; the bad endpoint is ejected after its failure.
        var served = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            served.Add(await sidecar.ServedByAsync("pair.example.test:8080", $"/r{i}"));
        }

        Assert.All(served, s => Assert.Equal("good", s));
        var attempts = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            attempts.Add((await sidecar.Telemetry.SingleAsync($"/r{i}")).Attempts);
        }

        Assert.Contains(2, attempts);
        Assert.Equal(1, attempts.Count(a => a == 2)); // once ejected, the bad endpoint is never tried again
    }

    [Fact]
    public async Task IstioMutual_WarnsAndStaysPlaintext()
    {
        await using var upstreams = await Upstreams.StartAsync("plain");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("mesh.example.test", 8080, upstreams.PortOf("plain")),
            Rule("mesh.example.test", "{mode: ISTIO_MUTUAL}"),
        ]);

        Assert.Contains(sidecar.Load.Warnings, w => w.Path == "spec.trafficPolicy.tls.mode" && w.Message.Contains("in plaintext", StringComparison.Ordinal));
        Assert.Equal("plain", await sidecar.ServedByAsync("mesh.example.test:8080"));
    }

    [Fact]
    public async Task Simple_CaCrl_RefusesARevokedServerCertificate_AndAcceptsTheOthersOfItsCa()
    {
        using var revokedCertificate = _pki.IssueServer("revoked.example.test");
        await using var revoked = await KestrelTlsUpstream.StartAsync(revokedCertificate, name: "revoked");
        await using var good = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("good.example.test"), name: "good");
        var crl = _pki.WriteCrl("ca.crl.pem", DateTimeOffset.UtcNow.AddDays(1), revokedCertificate);
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("revoked.example.test", 8080, revoked.Port),
            Service("good.example.test", 8080, good.Port),
            Rule("revoked.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", caCrl: \"{crl}\"}}"),
            Rule("good.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", caCrl: \"{crl}\"}}"),
        ]);

        await AssertCertificateRefusedAsync(sidecar, "revoked.example.test:8080", "/revoked");
        Assert.Contains("UF", (await sidecar.Telemetry.SingleAsync("/revoked")).FlagCodes, StringComparison.Ordinal);

        Assert.Equal("good", await sidecar.ServedByAsync("good.example.test:8080"));
    }

    [Fact]
    public async Task Simple_CaCrl_PastItsNextUpdate_RefusesEveryCertificate()
    {
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("secure.example.test"));
        var expired = _pki.WriteCrl("expired.crl.pem", DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("secure.example.test", 8080, upstream.Port),
            Rule("secure.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", caCrl: \"{expired}\"}}"),
        ]);

        await AssertCertificateRefusedAsync(sidecar, "secure.example.test:8080", "/");
    }

    [Fact]
    public async Task Simple_CaCrl_SignedByAnotherKeyUnderTheIssuersName_IsNotTrusted()
    {
        using var impostor = new TestPki("Engine Test CA"); // the same name, another key
        await using var upstream = await KestrelTlsUpstream.StartAsync(_pki.IssueServer("secure.example.test"));
        var forged = impostor.WriteCrl("forged.crl.pem", DateTimeOffset.UtcNow.AddDays(1)); // revokes nothing
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Service("secure.example.test", 8080, upstream.Port),
            Rule("secure.example.test", $"{{mode: SIMPLE, caCertificates: \"{_pki.CaPath}\", caCrl: \"{forged}\"}}"),
        ]);

        await AssertCertificateRefusedAsync(sidecar, "secure.example.test:8080", "/");
    }

    /// <summary>The sidecar refused the upstream's certificate: 503 with Envoy's transport failure reason.</summary>
    private static async Task AssertCertificateRefusedAsync(TestSidecar sidecar, string authority, string path)
    {
        using var refused = await sidecar.GetAsync(authority, path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(ConnectFailurePrefix + VerifyFailed, await refused.Content.ReadAsStringAsync());
    }

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private static string Service(string host, int port, int upstreamPort)
        => MeshYaml.Service(host, port, "http", [(upstreamPort, NoLabels)]);

    private static string Rule(string host, string tls) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: {{host.Replace('.', '-')}}}
        spec:
          host: {{host}}
          trafficPolicy:
            tls: {{tls}}
        """;

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");
}
