using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.IntegrationTests.Tls;

/// <summary>
/// A throwaway certificate authority made at run time (no key material is committed): it issues
/// server and client certificates, and writes PEM files into its own temporary folder for the
/// DestinationRules to name.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;

    public TestPki(string name = "Engine Test CA")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("engine-pki-").FullName;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaPath = Write("ca.pem", Ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate as a PEM file (a DestinationRule's caCertificates).</summary>
    public string CaPath { get; }

    /// <summary>A server certificate for <paramref name="dnsNames"/> (with its key, for Kestrel).</summary>
    public X509Certificate2 IssueServer(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return Issue(request, key);
    }

    /// <summary>A client certificate, written as PEM certificate and key files (clientCertificate, privateKey).</summary>
    public (string CertificatePath, string KeyPath) IssueClientFiles(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = Issue(request, key);
        return (Write(subject + ".crt.pem", certificate.ExportCertificatePem()), Write(subject + ".key.pem", key.ExportPkcs8PrivateKeyPem()));
    }

    /// <summary>
    /// A workload's mesh identity as Istio mounts it (cert-chain.pem, key.pem, root-cert.pem) in a
    /// folder of its own: a certificate for the SPIFFE ID <paramref name="spiffeId"/>, for client
    /// and server use, and this CA as the root. Returns the folder.
    /// </summary>
    /// <param name="folder">Where to write them (replacing what is there, as a rotation does); null: a new folder.</param>
    public string IssueWorkloadFiles(string spiffeId, string? folder = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + spiffeId[(spiffeId.LastIndexOf('/') + 1)..] + ", O=cluster.local", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = Issue(request, key);
        folder ??= System.IO.Directory.CreateDirectory(Path.Combine(Directory, "workload-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        File.WriteAllText(Path.Combine(folder, "cert-chain.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(folder, "root-cert.pem"), Ca.ExportCertificatePem());
        return folder;
    }

    /// <summary>A server certificate for a workload identity (a SPIFFE URI SAN), as a peer sidecar presents.</summary>
    public X509Certificate2 IssueWorkloadServer(string spiffeId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=cluster.local", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return Issue(request, key);
    }

    /// <summary>A certificate revocation list signed by the CA, naming <paramref name="revoked"/>, written as PEM (a DestinationRule's caCrl).</summary>
    public string WriteCrl(string name, DateTimeOffset nextUpdate, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        var der = builder.Build(
            Ca.SubjectName,
            X509SignatureGenerator.CreateForECDsa(_caKey),
            crlNumber: 1,
            nextUpdate,
            HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false),
            thisUpdate: DateTimeOffset.UtcNow.AddHours(-1));
        return Write(name, PemEncoding.WriteString("X509 CRL", der));
    }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private X509Certificate2 Issue(CertificateRequest request, ECDsa key)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Through PKCS#12 so that the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
