using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Engine.Config;

namespace Engine.Upstream.Tls;

/// <summary>
/// The workload's own mesh identity for ISTIO_MUTUAL, as Istio mounts it when certificates come
/// from files rather than istiod's SDS ("file-mounted certificates"): <c>cert-chain.pem</c> (the
/// workload certificate and its chain), <c>key.pem</c> and <c>root-cert.pem</c> (the mesh's trust
/// root), in <c>/etc/certs</c> by default. Read at every configuration build, so a rotated
/// certificate is used from the next reload on.
/// </summary>
internal sealed class WorkloadCertificates
{
    /// <summary>Where Istio's sidecar looks for file-mounted certificates.</summary>
    public const string DefaultDirectory = "/etc/certs";

    /// <summary>Istio's default trust domain, the authority of the SPIFFE IDs of service accounts.</summary>
    public const string DefaultTrustDomain = "cluster.local";

    public const string ChainFile = "cert-chain.pem";
    public const string KeyFile = "key.pem";
    public const string RootFile = "root-cert.pem";

    private WorkloadCertificates(string directory, SslStreamCertificateContext? client, string thumbprint, X509Certificate2Collection? roots, string? error, string identity = "")
    {
        Identity = identity;
        Directory = directory;
        Client = client;
        Thumbprint = thumbprint;
        Roots = roots;
        Error = error;
    }

    public string Directory { get; }

    /// <summary>Who the certificate says the workload is: its URI SAN (a SPIFFE ID), else its subject.</summary>
    public string Identity { get; }

    /// <summary>The workload certificate sent to the server; null when it could not be loaded (see <see cref="Error"/>).</summary>
    public SslStreamCertificateContext? Client { get; }

    /// <summary>Identifies the certificates loaded (a new one makes new pools).</summary>
    public string Thumbprint { get; }

    /// <summary>The mesh roots a server certificate must chain to.</summary>
    public X509Certificate2Collection? Roots { get; }

    /// <summary>Set when the files are there but unusable: every ISTIO_MUTUAL handshake then fails, never plaintext.</summary>
    public string? Error { get; }

    /// <summary>
    /// The certificates in <paramref name="directory"/>, or null when it holds none of the three files
    /// (ISTIO_MUTUAL then stays plaintext, as without a sidecar identity). Some but not all of them,
    /// or files that do not load, give certificates with an <see cref="Error"/>.
    /// </summary>
    public static WorkloadCertificates? Load(string directory)
    {
        if (directory.Length == 0)
        {
            return null;
        }

        var chainPath = Path.Combine(directory, ChainFile);
        var keyPath = Path.Combine(directory, KeyFile);
        var rootPath = Path.Combine(directory, RootFile);
        var present = new[] { chainPath, keyPath, rootPath }.Count(File.Exists);
        if (present == 0)
        {
            return null;
        }

        if (present < 3)
        {
            return new WorkloadCertificates(directory, null, "!", null, $"{directory} must hold {ChainFile}, {KeyFile} and {RootFile}; some are missing");
        }

        var (certificate, chain, clientError) = CertificateFiles.LoadClientCertificate(chainPath, keyPath);
        var (roots, rootError) = CertificateFiles.LoadCaBundle(rootPath);
        if (certificate is null || roots is null)
        {
            return new WorkloadCertificates(directory, null, "!", null, clientError ?? rootError);
        }

        var client = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        var thumbprint = certificate.Thumbprint + "/" + string.Join(",", roots.Select(r => r.Thumbprint));
        var uri = certificate.GetNameInfo(X509NameType.UrlName, forIssuer: false);
        return new WorkloadCertificates(directory, client, thumbprint, roots, null, uri.Length > 0 ? uri : certificate.Subject);
    }
}
