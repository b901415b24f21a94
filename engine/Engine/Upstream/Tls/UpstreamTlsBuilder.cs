using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Engine.Config;
using Engine.Config.Model;

namespace Engine.Upstream.Tls;

/// <summary>
/// Turns a cluster's effective <c>tls</c> into <see cref="UpstreamTls"/> while the clusters of a
/// configuration are built; each file is read once per build however many clusters name it.
/// </summary>
/// <remarks>
/// DISABLE is plaintext. ISTIO_MUTUAL uses the workload's file-mounted certificates
/// (<see cref="WorkloadCertificates"/>, see <see cref="IstioMutual"/>); without them it stays
/// plaintext, as toward a workload without a sidecar, and the validator says so. <c>credentialName</c> (a
/// Kubernetes secret) is not read either (warned); the file fields are used as given, <c>caCrl</c>
/// included (<see cref="RevocationList"/>).
/// SNI: <c>sni</c>, else the service host, which is what Envoy's <c>auto_sni</c> (set by Istio when
/// <c>sni</c> is empty) sends for a request whose Host is the service name — not a wildcard host.
/// </remarks>
internal sealed class UpstreamTlsBuilder
{
    private readonly Dictionary<string, (X509Certificate2Collection? Certificates, string? Error)> _bundles = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), (SslStreamCertificateContext? Context, string Thumbprint, string? Error)> _clients = new();
    private readonly Dictionary<string, (RevocationList? List, string? Error)> _crls = new(StringComparer.Ordinal);
    private readonly WorkloadCertificates? _workload;

    /// <param name="workload">The workload's mesh identity for ISTIO_MUTUAL; null: none (ISTIO_MUTUAL stays plaintext).</param>
    public UpstreamTlsBuilder(WorkloadCertificates? workload = null) => _workload = workload;

    /// <summary>Whether ISTIO_MUTUAL (set, or chosen by auto mTLS) can originate mTLS.</summary>
    public bool HasWorkloadIdentity => _workload is not null;

    /// <summary>
    /// ISTIO_MUTUAL as Istio builds it (pilot <c>buildAutoMtlsSettings</c>, <c>cluster_tls.go</c>):
    /// the workload certificate, the mesh root as the only trust anchor, the rule's <c>sni</c> or
    /// the cluster's DNS-SRV name (<c>outbound_.PORT_.SUBSET_.HOST</c>, what a peer's gateway routes
    /// on), and the rule's <c>subjectAltNames</c> or else the service's accounts; no host-name check.
    /// <paramref name="tls"/> is null for auto mTLS. Null when the sidecar has no workload certificates.
    /// </summary>
    public UpstreamTls? IstioMutual(ClientTlsSettings? tls, string dnsSrvName, IReadOnlyList<string> serviceAccounts)
    {
        if (_workload is not { } workload)
        {
            return null;
        }

        var sni = tls?.Sni is { Length: > 0 } set ? set : dnsSrvName;
        var sans = tls is { SubjectAltNames.IsEmpty: false } ? tls.SubjectAltNames : [.. serviceAccounts];
        var key = $"ISTIO_MUTUAL|sni={sni}|san={string.Join(",", sans)}|cert={workload.Thumbprint}";
        return new UpstreamTls(true, sni, sniWasSet: true, sans, skipVerify: false, workload.Roots, workload.Client, workload.Error, key, revocations: null, istio: true);
    }

    public UpstreamTls? For(ClientTlsSettings? tls, string host)
    {
        if (tls is null || tls.Mode is TlsMode.Disable or TlsMode.IstioMutual)
        {
            return null;
        }

        var skip = tls.InsecureSkipVerify == true;
        string? error = null;
        X509Certificate2Collection? anchors = null;
        var key = $"{tls.Mode}|sni={tls.Sni}|host={host}|san={string.Join(",", tls.SubjectAltNames)}|skip={skip}";
        if (tls.CaCertificates.Length > 0 && !skip)
        {
            if (!_bundles.TryGetValue(tls.CaCertificates, out var bundle))
            {
                bundle = CertificateFiles.LoadCaBundle(tls.CaCertificates);
                _bundles[tls.CaCertificates] = bundle;
            }

            (anchors, error) = bundle;
            key += "|ca=" + (anchors is null ? "!" : string.Join(",", anchors.Select(c => c.Thumbprint)));
        }

        RevocationList? revocations = null;
        if (tls.CaCrl.Length > 0 && !skip)
        {
            if (!_crls.TryGetValue(tls.CaCrl, out var crl))
            {
                crl = RevocationList.Load(tls.CaCrl);
                _crls[tls.CaCrl] = crl;
            }

            (revocations, var crlError) = crl;
            error ??= crlError;
            key += "|crl=" + tls.CaCrl + "@" + (revocations is null ? "!" : File.GetLastWriteTimeUtc(tls.CaCrl).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        SslStreamCertificateContext? client = null;
        if (tls.Mode == TlsMode.Mutual && tls.ClientCertificate.Length > 0 && tls.PrivateKey.Length > 0)
        {
            var files = (tls.ClientCertificate, tls.PrivateKey);
            if (!_clients.TryGetValue(files, out var loaded))
            {
                var (certificate, chain, loadError) = CertificateFiles.LoadClientCertificate(tls.ClientCertificate, tls.PrivateKey);
                loaded = certificate is null
                    ? (null, "!", loadError)
                    : (SslStreamCertificateContext.Create(certificate, chain, offline: true), certificate.Thumbprint, null);
                _clients[files] = loaded;
            }

            client = loaded.Context;
            error ??= loaded.Error;
            key += "|cert=" + loaded.Thumbprint;
        }

        var sni = tls.Sni.Length > 0 ? tls.Sni : DefaultSni(host);
        return new UpstreamTls(tls.Mode == TlsMode.Mutual, sni, tls.Sni.Length > 0, tls.SubjectAltNames, skip, anchors, client, error, key, revocations);
    }

    /// <summary>The service host, unless it is a wildcard or an address (neither is a server name).</summary>
    private static string? DefaultSni(string host)
        => host.Length == 0 || host.StartsWith('*') || IPAddress.TryParse(host, out _) ? null : host;
}
