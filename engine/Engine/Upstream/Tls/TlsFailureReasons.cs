namespace Engine.Upstream.Tls;

/// <summary>
/// Envoy's transport failure reason for a failed TLS handshake. A rejected server certificate
/// reads exactly as Envoy (BoringSSL) puts it, since that is what operators grep for in Istio's
/// 503 bodies and access logs; other failures keep Envoy's <c>TLS_error:|…:TLS_error_end</c>
/// frame around .NET's own description (BoringSSL's packed codes are not known here, and a guessed
/// one would mislead).
/// </summary>
internal static class TlsFailureReasons
{
    public const string CertificateVerifyFailed = "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end";

    /// <param name="failure">What the handshake threw.</param>
    /// <param name="verification">Why our certificate check rejected the server, when it did.</param>
    /// <param name="loadError">A certificate file that could not be loaded when the clusters were built.</param>
    public static string For(Exception failure, string? verification, string? loadError)
    {
        if (loadError is not null)
        {
            return Frame(loadError);
        }

        if (verification is not null)
        {
            return CertificateVerifyFailed;
        }

        var innermost = failure;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return Frame(innermost.Message);
    }

    private static string Frame(string message) => "TLS_error:|" + message.Replace('\n', ' ').Replace('\r', ' ') + ":TLS_error_end";
}
