using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Config;

/// <summary>
/// Reads the PEM files a DestinationRule's <c>tls</c> names (<c>caCertificates</c>,
/// <c>clientCertificate</c> + <c>privateKey</c>). Failures are values with a message fit for a
/// config diagnostic: the validator reports them against the field's file and line, so a rule
/// naming a missing or broken file never replaces a good configuration.
/// </summary>
internal static class CertificateFiles
{
    /// <summary>The certificates of a CA bundle (one or more PEM <c>CERTIFICATE</c> blocks).</summary>
    public static (X509Certificate2Collection? Certificates, string? Error) LoadCaBundle(string path)
    {
        try
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPemFile(path);
            return bundle.Count == 0
                ? (null, $"caCertificates file \"{path}\" holds no PEM certificate")
                : (bundle, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return (null, $"cannot load caCertificates file \"{path}\": {e.Message}");
        }
    }

    /// <summary>
    /// A client certificate with its private key; further certificates in the certificate file are
    /// the chain sent with it (intermediates).
    /// </summary>
    public static (X509Certificate2? Certificate, X509Certificate2Collection? Chain, string? Error) LoadClientCertificate(string certificatePath, string keyPath)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // Say which of the two files is at fault when one cannot even be read.
            var unreadable = !CanRead(certificatePath) ? $"clientCertificate file \"{certificatePath}\"" : !CanRead(keyPath) ? $"privateKey file \"{keyPath}\"" : null;
            return (null, null, unreadable is not null
                ? $"cannot read {unreadable}"
                : $"cannot load client certificate \"{certificatePath}\" with private key \"{keyPath}\": {e.Message}");
        }

        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPemFile(certificatePath);
        }
        catch (CryptographicException)
        {
            // The leaf loaded; a malformed extra block only costs the chain.
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var extra in chain)
        {
            if (!extra.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                intermediates.Add(extra);
            }
        }

        return (certificate, intermediates, null);
    }

    private static bool CanRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
