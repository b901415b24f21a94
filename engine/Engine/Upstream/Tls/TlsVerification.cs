using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Upstream.Tls;

/// <summary>
/// The server-certificate check of one handshake, run by SslStream's validation callback; keeps
/// why it failed, for the log and for Envoy's transport failure reason.
/// </summary>
internal sealed class TlsVerification
{
    /// <summary>Why the certificate was rejected; null while it has not been.</summary>
    public string? Failure { get; private set; }

    public bool Check(UpstreamTls tls, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (tls.SkipVerify)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return Reject("the upstream presented no certificate");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return Reject(tls.TrustAnchors is null
                ? "certificate chain does not lead to a root of the system trust store"
                : "certificate chain does not lead to a root of caCertificates");
        }

        // SslStream's own name check (RemoteCertificateNameMismatch) follows .NET's rules; Envoy's
        // are below, so that flag is not looked at.
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (tls.Revocations?.Check(leaf, chain, DateTimeOffset.UtcNow) is { } revoked)
        {
            return Reject(revoked);
        }

        if (!tls.SubjectAltNames.IsEmpty)
        {
            return SubjectAltNames.MatchesAny(leaf, tls.SubjectAltNames)
                || Reject($"no subjectAltName of the certificate matches [{string.Join(", ", tls.SubjectAltNames)}]");
        }

        if (tls.VerifiesHost)
        {
            return SubjectAltNames.MatchesAny(leaf, [tls.Sni!])
                || Reject($"no subjectAltName of the certificate matches the host \"{tls.Sni}\"");
        }

        return true;
    }

    private bool Reject(string reason)
    {
        Failure = reason;
        return false;
    }
}
