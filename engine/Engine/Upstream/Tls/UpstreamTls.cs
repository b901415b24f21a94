using System.Collections.Immutable;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Upstream.Tls;

/// <summary>
/// How one cluster's connections originate TLS (DestinationRule <c>tls</c> mode SIMPLE or MUTUAL),
/// resolved once at config load: the SNI, what the server certificate is checked against, and the
/// client certificate. Part of <see cref="UpstreamPoolSettings"/>, so a cluster whose TLS changes
/// gets new pools and a TLS connection is never handed to a plaintext cluster or the reverse.
/// </summary>
/// <remarks>
/// Verification, as Istio configures Envoy (pilot <c>cluster_tls.go</c>): the chain must lead to
/// <see cref="TrustAnchors"/> (the <c>caCertificates</c> file) or, without one, to the system trust
/// store; then <c>subjectAltNames</c>, when given, must name the certificate; without them and
/// without an explicit <c>sni</c>, the certificate must be for the SNI host (Envoy's
/// <c>auto_san_validation</c>). An explicit <c>sni</c> without <c>subjectAltNames</c> checks the
/// chain only, as Envoy does. With <c>caCrl</c>, the certificate must not be revoked
/// (<see cref="RevocationList"/>). <c>insecureSkipVerify</c> checks nothing.
/// </remarks>
internal sealed class UpstreamTls : IEquatable<UpstreamTls>
{
    private readonly string _key;

    public UpstreamTls(
        bool mutual,
        string? sni,
        bool sniWasSet,
        ImmutableArray<string> subjectAltNames,
        bool skipVerify,
        X509Certificate2Collection? trustAnchors,
        SslStreamCertificateContext? clientCertificate,
        string? loadError,
        string key,
        RevocationList? revocations = null,
        bool istio = false)
    {
        Mutual = mutual;
        Sni = sni;
        SniWasSet = sniWasSet;
        SubjectAltNames = subjectAltNames;
        SkipVerify = skipVerify;
        TrustAnchors = trustAnchors;
        ClientCertificate = clientCertificate;
        LoadError = loadError;
        Revocations = revocations;
        Istio = istio;
        _key = key;
    }

    /// <summary>ISTIO_MUTUAL: the workload's mesh identity, and ALPN as Istio's sidecar offers it in the mesh.</summary>
    public bool Istio { get; }

    public bool Mutual { get; }

    /// <summary>The server name sent in the ClientHello; null: none (a wildcard host without <c>sni</c>).</summary>
    public string? Sni { get; }

    /// <summary>The DestinationRule set <c>sni</c> (otherwise it is the host, and DYNAMIC_DNS names replace it).</summary>
    public bool SniWasSet { get; }

    public ImmutableArray<string> SubjectAltNames { get; }

    public bool SkipVerify { get; }

    /// <summary>The <c>caCertificates</c> roots; null: the system trust store.</summary>
    public X509Certificate2Collection? TrustAnchors { get; }

    public SslStreamCertificateContext? ClientCertificate { get; }

    /// <summary>The <c>caCrl</c> lists the server certificate is checked against; null: none.</summary>
    public RevocationList? Revocations { get; }

    /// <summary>
    /// Set when a file could not be loaded when the clusters were built (it was readable when the
    /// configuration was validated): every handshake then fails — never plaintext instead.
    /// </summary>
    public string? LoadError { get; }

    /// <summary>The certificate must name the SNI host (Envoy's auto_san_validation).</summary>
    public bool VerifiesHost => !SkipVerify && !SniWasSet && SubjectAltNames.IsEmpty && Sni is not null;

    /// <summary>The same settings for a DYNAMIC_DNS name: its own SNI unless the rule fixed one.</summary>
    public UpstreamTls ForHost(string host)
        => SniWasSet || host == Sni
            ? this
            : new UpstreamTls(Mutual, host, false, SubjectAltNames, SkipVerify, TrustAnchors, ClientCertificate, LoadError, _key + "|host=" + host, Revocations, Istio);

    /// <summary>
    /// Options for one handshake (a new object each time: the verification callback reports into
    /// <paramref name="outcome"/>). ALPN as Istio sets it: <c>h2</c> alone for a connection that will
    /// speak HTTP/2, none for HTTP/1.1; under ISTIO_MUTUAL, what Istio's ALPN override filter sends
    /// in the mesh — <c>istio-h2, istio, h2</c> or <c>istio-http/1.1, istio, http/1.1</c> — which a
    /// peer sidecar's inbound listener matches, and a server without a sidecar answers as h2 or http/1.1.
    /// </summary>
    /// <param name="tcp">A TCP route's connection: ISTIO_MUTUAL offers Istio's TCP ALPN, <c>istio</c> (not
    /// <c>istio-peer-exchange</c>: this sidecar does not speak Istio's TCP metadata exchange).</param>
    public SslClientAuthenticationOptions CreateOptions(bool http2, TlsVerification outcome, bool tcp = false)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = Sni ?? string.Empty,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13, // Istio's TLS 1.2 minimum, 1.3 maximum
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateContext = ClientCertificate,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => outcome.Check(this, certificate, chain, errors),
        };
        if (Istio && tcp)
        {
            options.ApplicationProtocols = [IstioAlpn];
        }
        else if (Istio)
        {
            options.ApplicationProtocols = http2 ? [IstioH2, IstioAlpn, SslApplicationProtocol.Http2] : [IstioHttp11, IstioAlpn, SslApplicationProtocol.Http11];
        }
        else if (http2)
        {
            options.ApplicationProtocols = [SslApplicationProtocol.Http2];
        }

        if (TrustAnchors is not null && !SkipVerify)
        {
            options.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(TrustAnchors);
        }

        return options;
    }

    private static readonly SslApplicationProtocol IstioH2 = new("istio-h2");
    private static readonly SslApplicationProtocol IstioHttp11 = new("istio-http/1.1");
    private static readonly SslApplicationProtocol IstioAlpn = new("istio");

    public bool Equals(UpstreamTls? other) => other is not null && string.Equals(_key, other._key, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as UpstreamTls);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_key);

    public override string ToString() => (Istio ? "ISTIO_MUTUAL" : Mutual ? "MUTUAL" : "SIMPLE") + (Sni is null ? "" : " sni=" + Sni);
}
