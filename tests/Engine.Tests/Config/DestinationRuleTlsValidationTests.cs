using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Tests.Config;

/// <summary>
/// What this sidecar adds to Istio's checks of <c>tls</c>: the certificate files must load (an
/// error at the field's file and line), and what it cannot honour is a warning, never silence.
/// </summary>
public sealed class DestinationRuleTlsValidationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("engine-tls-validation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Validate_UnreadableCertificateFiles_AreErrorsAtTheirFieldsLine()
    {
        var missing = Path.Combine(_directory, "missing.pem");
        var garbage = Path.Combine(_directory, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var (certificate, _) = WriteClientFiles();
        var result = ConfigAssert.Load($$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: files}
            spec:
              host: api.example.com
              trafficPolicy:
                tls:
                  mode: SIMPLE
                  caCertificates: {{missing}}
                portLevelSettings:
                - port: {number: 443}
                  tls:
                    mode: MUTUAL
                    caCertificates: {{garbage}}
                    clientCertificate: {{certificate}}
                    privateKey: {{missing}}
            """);

        var ca = ConfigAssert.HasError(result, 9, "spec.trafficPolicy.tls.caCertificates", $"cannot load caCertificates file \"{missing}\"");
        Assert.StartsWith("test.yaml:9: DestinationRule/files spec.trafficPolicy.tls.caCertificates:", ca.ToString(), StringComparison.Ordinal);
        ConfigAssert.HasError(result, 14, "spec.trafficPolicy.portLevelSettings[0].tls.caCertificates", $"caCertificates file \"{garbage}\" holds no PEM certificate");
        ConfigAssert.HasError(result, 16, "spec.trafficPolicy.portLevelSettings[0].tls.privateKey", $"cannot read privateKey file \"{missing}\"");
        Assert.Equal(3, result.Errors.Count());
        Assert.Null(result.Snapshot);
    }

    [Fact]
    public void Validate_UnreadableCaCrl_IsAnErrorAtItsLine_AndAPemFileWithoutAList_Too()
    {
        var missing = Path.Combine(_directory, "missing.crl");
        var certificateOnly = Path.Combine(_directory, "not-a-crl.pem");
        var (certificate, _) = WriteClientFiles();
        File.Copy(certificate, certificateOnly);
        var result = ConfigAssert.Load($$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: crl}
            spec:
              host: api.example.com
              trafficPolicy:
                tls: {mode: SIMPLE, caCrl: {{missing}}}
              subsets:
              - name: v1
                trafficPolicy:
                  tls: {mode: SIMPLE, caCrl: {{certificateOnly}}}
            """);

        ConfigAssert.HasError(result, 7, "spec.trafficPolicy.tls.caCrl", $"cannot load caCrl file \"{missing}\"");
        ConfigAssert.HasError(result, 11, "spec.subsets[0].trafficPolicy.tls.caCrl", "cannot load caCrl file"); // PEM, but a certificate: read as DER, not a list
    }

    [Fact]
    public void Validate_LoadableCertificateFiles_AreAccepted()
    {
        var (certificate, key) = WriteClientFiles();
        ConfigAssert.LoadValid($$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: files}
            spec:
              host: api.example.com
              trafficPolicy:
                tls: {mode: MUTUAL, caCertificates: "{{certificate}}", clientCertificate: "{{certificate}}", privateKey: "{{key}}"}
            """);
    }

    [Fact]
    public void Validate_WhatCannotBeHonoured_IsAWarning()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: unsupported}
            spec:
              host: api.example.com
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
              subsets:
              - name: secret
                trafficPolicy:
                  tls: {mode: SIMPLE, credentialName: api-secret}
              - name: crl
                trafficPolicy:
                  tls: {mode: SIMPLE, insecureSkipVerify: true, caCrl: /etc/crl.pem}
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        ConfigAssert.HasWarning(result, 8, "spec.trafficPolicy.tls.mode", "ISTIO_MUTUAL uses the workload certificates Istio mounts");
        ConfigAssert.HasWarning(result, 12, "spec.subsets[0].trafficPolicy.tls.credentialName", "credentialName (a Kubernetes secret) cannot be read by this sidecar");
        ConfigAssert.HasWarning(result, 15, "spec.subsets[1].trafficPolicy.tls.caCrl", "caCrl is not checked when insecureSkipVerify is true");
    }

    [Fact]
    public void Validate_IstioMutualWithCertificateFiles_IsAnError_AsIstioSays()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: mesh}
            spec:
              host: reviews
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
                  caCertificates: /etc/my-ca.pem
            """);

        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.tls.mode", "cannot specify client certificates or CA certificate or credentialName if TLS mode is ISTIO_MUTUAL");
    }

    private (string Certificate, string Key) WriteClientFiles()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_directory, "client.pem");
        var keyPath = Path.Combine(_directory, "client.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
