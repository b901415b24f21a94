using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>Outlier detection, connection pool, load balancer, TLS, tunnel and retry budget rules.</summary>
internal static partial class DestinationRuleValidator
{
    private const ulong MaglevTableSizeLimit = 5_000_011;

    private static void OutlierDetection(ResourceReporter r, OutlierDetection? outlier)
    {
        if (outlier is null)
        {
            return;
        }

        var s = outlier.Source;
        Duration(r, s, "baseEjectionTime", outlier.BaseEjectionTime);
        Duration(r, s, "interval", outlier.Interval);
        if (outlier.ConsecutiveErrors is not null)
        {
            r.Warning(s, "consecutiveErrors", "consecutiveErrors is deprecated and ignored; use consecutiveGatewayErrors or consecutive5xxErrors");
        }

        if (!outlier.SplitExternalLocalOriginErrors && outlier.ConsecutiveLocalOriginFailures > 0)
        {
            r.Error(s, "consecutiveLocalOriginFailures", "consecutiveLocalOriginFailures is set but splitExternalLocalOriginErrors is false");
        }

        foreach (var (field, value) in new[] { ("maxEjectionPercent", outlier.MaxEjectionPercent), ("minHealthPercent", outlier.MinHealthPercent) })
        {
            if (value is < 0 or > 100)
            {
                r.Error(s, field, $"percentage {value} is not in range 0..100");
            }
        }

        for (var i = 0; i < outlier.OutlierDetectionHttpErrorCodes.Length; i++)
        {
            if (outlier.OutlierDetectionHttpErrorCodes[i] is < 100 or > 599)
            {
                r.Error(s, $"outlierDetectionHttpErrorCodes[{i}]", $"HTTP status {outlier.OutlierDetectionHttpErrorCodes[i]} is not in range 100-599");
            }
        }
    }

    private static void ConnectionPool(ResourceReporter r, ConnectionPoolSettings? pool)
    {
        if (pool is null)
        {
            return;
        }

        if (pool.Http is null && pool.Tcp is null)
        {
            r.Missing(pool.Source, "connection pool must have at least one of tcp or http", "tcp", "http");
        }

        if (pool.Http is { } http)
        {
            var s = http.Source;
            NonNegative(r, s, "http1MaxPendingRequests", http.Http1MaxPendingRequests);
            NonNegative(r, s, "http2MaxRequests", http.Http2MaxRequests);
            NonNegative(r, s, "maxRequestsPerConnection", http.MaxRequestsPerConnection);
            NonNegative(r, s, "maxRetries", http.MaxRetries);
            NonNegative(r, s, "maxConcurrentStreams", http.MaxConcurrentStreams);
            Duration(r, s, "idleTimeout", http.IdleTimeout);
            if (http.H2UpgradePolicy == H2UpgradePolicy.Upgrade && http.UseClientProtocol)
            {
                r.Error(s, "useClientProtocol", "useClientProtocol must not be true when h2UpgradePolicy is UPGRADE");
            }

            if (http.Http2KeepAlive is { } keepAlive)
            {
                Duration(r, keepAlive.Source, "interval", keepAlive.Interval);
                Duration(r, keepAlive.Source, "timeout", keepAlive.Timeout);
                if (keepAlive.Interval is null || keepAlive.Timeout is null)
                {
                    r.Missing(keepAlive.Source, "http2KeepAlive requires both interval and timeout", "interval", "timeout");
                }
            }
        }

        if (pool.Tcp is { } tcp)
        {
            var s = tcp.Source;
            NonNegative(r, s, "maxConnections", tcp.MaxConnections);
            Duration(r, s, "connectTimeout", tcp.ConnectTimeout);
            Duration(r, s, "maxConnectionDuration", tcp.MaxConnectionDuration);
            if (tcp.IdleTimeout is { } idle && idle != TimeSpan.Zero)
            {
                // 0s is documented as "disabled" for the TCP idle timeout.
                Duration(r, s, "idleTimeout", idle);
            }

            if (tcp.TcpKeepalive is { } ka)
            {
                Duration(r, ka.Source, "time", ka.Time);
                Duration(r, ka.Source, "interval", ka.Interval);
            }
        }
    }

    private static void LoadBalancer(ResourceReporter r, LoadBalancerSettings? lb, OutlierDetection? outlier)
    {
        if (lb is null)
        {
            return;
        }

        var s = lb.Source;
        if (lb.Simple == SimpleLb.LeastConn)
        {
            r.Warning(s, "simple", "LEAST_CONN is deprecated; use LEAST_REQUEST");
        }

        if (lb.ConsistentHash is { } hash)
        {
            ConsistentHash(r, hash);
        }

        if (lb.LocalityLbSetting is { } locality)
        {
            LocalityLb(r, locality, outlier);
        }

        if (lb.WarmupDurationSecs is { } warmupDuration)
        {
            Duration(r, s, "warmupDurationSecs", warmupDuration);
            r.Warning(s, "warmupDurationSecs", "warmupDurationSecs is deprecated; use warmup.duration");
        }

        if (lb.Warmup is { } warmup)
        {
            Duration(r, warmup.Source, "duration", warmup.Duration);
            if (warmup.MinimumPercent is < 0 or > 100)
            {
                r.Error(warmup.Source, "minimumPercent", $"minimumPercent {warmup.MinimumPercent} is not in range 0..100");
            }

            if (warmup.Aggression is < 0)
            {
                r.Error(warmup.Source, "aggression", "aggression must be >= 0");
            }
        }

        if ((lb.Warmup is not null || lb.WarmupDurationSecs is not null) && (lb.ConsistentHash is not null || lb.Simple is SimpleLb.Random or SimpleLb.Passthrough))
        {
            r.Warning(lb.Source.Field(lb.Warmup is not null ? "warmup" : "warmupDurationSecs"), "slow start (warmup) applies to ROUND_ROBIN and LEAST_REQUEST only, as in Envoy: ignored here");
        }
    }

    private static void ConsistentHash(ResourceReporter r, ConsistentHashLb hash)
    {
        var s = hash.Source;
        if (hash.HttpHeaderName is null && hash.HttpCookie is null && hash.UseSourceIp is null && hash.HttpQueryParameterName is null
            && !r.Failed(s, "httpHeaderName") && !r.Failed(s, "httpCookie") && !r.Failed(s, "useSourceIp") && !r.Failed(s, "httpQueryParameterName"))
        {
            r.Warning(s, "consistentHash has no hash key (httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName): requests are spread randomly");
        }

        if (hash.HttpCookie is { } cookie)
        {
            if (cookie.Name.Length == 0)
            {
                r.Error(cookie.Source, "name", "name is required for httpCookie");
            }

            if (cookie.Ttl is { } ttl && ttl < TimeSpan.Zero)
            {
                r.Error(cookie.Source, "ttl", "ttl must not be negative");
            }
        }

        if (hash.MinimumRingSize != 0)
        {
            r.Warning(s, "minimumRingSize", "minimumRingSize is deprecated; use ringHash.minimumRingSize");
            if (hash.RingHash is not null || hash.Maglev is not null)
            {
                r.Error(s, "minimumRingSize", "only one of minimumRingSize or ringHash/maglev can be specified");
            }
        }

        if (hash.Maglev is { } maglev)
        {
            if (maglev.TableSize == 0)
            {
                r.Error(maglev.Source, "tableSize", "tableSize must be set for maglev");
            }
            else if (maglev.TableSize >= MaglevTableSizeLimit)
            {
                r.Error(maglev.Source, "tableSize", $"tableSize must be less than {MaglevTableSizeLimit} for maglev");
            }
            else if (!IsPrime(maglev.TableSize))
            {
                r.Error(maglev.Source, "tableSize", $"tableSize {maglev.TableSize} must be a prime number for maglev");
            }
        }
    }

    /// <summary>Istio <c>ValidateLocalityLbSetting</c> (weights per <c>from</c> sum to 100; failover regions only).</summary>
    private static void LocalityLb(ResourceReporter r, LocalityLoadBalancerSetting lb, OutlierDetection? outlier)
    {
        var s = lb.Source;
        if (!lb.Distribute.IsEmpty && !lb.Failover.IsEmpty)
        {
            r.Error(s, "failover", "cannot set both distribute and failover");
            return;
        }

        if (!lb.Failover.IsEmpty)
        {
            foreach (var entry in lb.FailoverPriority)
            {
                var label = Upstream.Locality.LocalityGroups.SplitOverride(entry).Label;
                if (label is "topology.kubernetes.io/region" or "topology.kubernetes.io/zone" or "topology.istio.io/subzone")
                {
                    r.Error(s, "failoverPriority", $"cannot set both failover and the topology label \"{label}\" in failoverPriority");
                }
            }
        }

        var fromSeen = new List<string>();
        foreach (var d in lb.Distribute)
        {
            fromSeen.Add(d.From);
            long total = 0;
            foreach (var (locality, weight) in d.To)
            {
                if (weight is 0 or > 100)
                {
                    r.Error(d.Source, SourceLocation.Join("to", SourceLocation.KeySegment(locality)), "locality weight must be in range 1..100");
                }

                total += weight;
            }

            if (total != 100)
            {
                r.Error(d.Source, "to", $"total locality weight {total} != 100");
            }

            if (CheckLocalities(d.To.Keys) is { } error)
            {
                r.Error(d.Source, "to", error);
            }
        }

        if (CheckLocalities(fromSeen) is { } fromError)
        {
            r.Error(s, "distribute", fromError);
        }

        if ((!lb.Failover.IsEmpty || !lb.FailoverPriority.IsEmpty) && outlier is null)
        {
            r.Warning(s, "outlier detection must be configured for locality failover to take effect");
        }

        foreach (var f in lb.Failover)
        {
            if (f.From == f.To)
            {
                r.Error(f.Source, "to", "locality lb failover settings must specify different regions");
            }

            if (f.From.Contains('/', StringComparison.Ordinal) || f.To.Contains('/', StringComparison.Ordinal))
            {
                r.Error(f.Source, "locality lb failover only specifies regions");
            }

            if (f.From.Contains('*', StringComparison.Ordinal) || f.To.Contains('*', StringComparison.Ordinal))
            {
                r.Error(f.Source, "locality lb failover region should not contain a '*' wildcard");
            }
        }
    }

    private static string? CheckLocalities(IEnumerable<string> localities)
    {
        var seen = new List<string[]>();
        foreach (var locality in localities)
        {
            var stars = locality.Count(c => c == '*');
            if (stars > 1 || (stars == 1 && !locality.EndsWith('*')))
            {
                return $"locality {locality}: the wildcard '*' may appear once, at the end";
            }

            var parts = locality.Split('/', 3);
            if (parts.Any(p => p.Length == 0))
            {
                return $"locality {locality} must not contain an empty region/zone/subzone";
            }

            // Overlap: one locality is a prefix (segment-wise, '*' matching anything) of another.
            foreach (var other in seen)
            {
                var n = Math.Min(parts.Length, other.Length);
                var overlap = true;
                for (var i = 0; i < n && overlap; i++)
                {
                    overlap = parts[i] == other[i] || parts[i] == "*" || other[i] == "*";
                }

                if (overlap)
                {
                    return $"locality {locality} overlaps with a previous locality";
                }
            }

            seen.Add(parts);
        }

        return null;
    }

    /// <summary>
    /// Istio <c>agent.ValidateTLS</c>, then what this sidecar needs beyond it: the certificate files
    /// must load now (a rule naming a missing file never replaces a good configuration), and what
    /// it cannot honour without Kubernetes or istiod is said, not silently ignored.
    /// </summary>
    private static void Tls(ResourceReporter r, ClientTlsSettings? tls)
    {
        if (tls is null)
        {
            return;
        }

        var s = tls.Source;
        if (tls.InsecureSkipVerify == true)
        {
            if (tls.Mode == TlsMode.Simple && (tls.CaCertificates.Length > 0 || tls.CredentialName.Length > 0 || !tls.SubjectAltNames.IsEmpty))
            {
                r.Error(s, "insecureSkipVerify", "cannot specify caCertificates, credentialName or subjectAltNames when insecureSkipVerify is true");
            }

            if (tls.Mode == TlsMode.Mutual && (tls.CaCertificates.Length > 0 || !tls.SubjectAltNames.IsEmpty))
            {
                r.Error(s, "insecureSkipVerify", "cannot specify caCertificates or subjectAltNames when insecureSkipVerify is true");
            }
        }

        if (tls.Mode == TlsMode.IstioMutual)
        {
            if (tls.ClientCertificate.Length > 0 || tls.CaCertificates.Length > 0 || tls.PrivateKey.Length > 0 || tls.CredentialName.Length > 0)
            {
                // Istio's ValidateTLS: the workload's own certificates are the only ones ISTIO_MUTUAL uses.
                r.Error(s, "mode", "cannot specify client certificates or CA certificate or credentialName if TLS mode is ISTIO_MUTUAL");
            }

            r.Warning(s, "mode", "ISTIO_MUTUAL uses the workload certificates Istio mounts (cert-chain.pem, key.pem and root-cert.pem in "
                + "/etc/certs, or the folder --istio-certs names); a sidecar run without them sends this destination's traffic in plaintext");
        }

        if (tls.Mode is TlsMode.Simple or TlsMode.Mutual && tls.CaCrl.Length > 0)
        {
            if (tls.InsecureSkipVerify == true)
            {
                r.Warning(s, "caCrl", "caCrl is not checked when insecureSkipVerify is true");
            }
            else if (Upstream.Tls.RevocationList.Load(tls.CaCrl).Error is { } crlError)
            {
                r.Error(s, "caCrl", crlError);
            }
        }

        if (tls.Mode is TlsMode.Simple or TlsMode.Mutual && tls.CredentialName.Length > 0)
        {
            if (tls.ClientCertificate.Length > 0 || tls.CaCertificates.Length > 0 || tls.PrivateKey.Length > 0 || tls.CaCrl.Length > 0)
            {
                r.Error(s, "credentialName", "cannot specify client certificates, CA certificate or CA CRL when credentialName is set");
            }
            else
            {
                r.Warning(s, "credentialName", "credentialName (a Kubernetes secret) cannot be read by this sidecar: TLS is originated "
                    + (tls.Mode == TlsMode.Mutual ? "without a client certificate, " : "")
                    + "verifying the upstream against the system trust store");
            }

            return;
        }

        if (tls.Mode == TlsMode.Mutual)
        {
            if (tls.ClientCertificate.Length == 0)
            {
                r.Error(s, "clientCertificate", "clientCertificate is required for MUTUAL tls");
            }

            if (tls.PrivateKey.Length == 0)
            {
                r.Error(s, "privateKey", "privateKey is required for MUTUAL tls");
            }
        }

        TlsFiles(r, tls);
    }

    /// <summary>The PEM files SIMPLE and MUTUAL will use, loaded as the clusters will load them.</summary>
    private static void TlsFiles(ResourceReporter r, ClientTlsSettings tls)
    {
        if (tls.Mode is not (TlsMode.Simple or TlsMode.Mutual))
        {
            return;
        }

        var s = tls.Source;
        if (tls.CaCertificates.Length > 0 && tls.InsecureSkipVerify != true
            && CertificateFiles.LoadCaBundle(tls.CaCertificates).Error is { } caError)
        {
            r.Error(s, "caCertificates", caError);
        }

        if (tls.Mode == TlsMode.Mutual && tls.ClientCertificate.Length > 0 && tls.PrivateKey.Length > 0
            && CertificateFiles.LoadClientCertificate(tls.ClientCertificate, tls.PrivateKey).Error is { } certificateError)
        {
            r.Error(s, certificateError.Contains("privateKey file", StringComparison.Ordinal) ? "privateKey" : "clientCertificate", certificateError);
        }
    }

    private static void Tunnel(ResourceReporter r, TunnelSettings? tunnel)
    {
        if (tunnel is null)
        {
            return;
        }

        var s = tunnel.Source;
        if (tunnel.Protocol is not ("" or "CONNECT" or "POST"))
        {
            r.Error(s, "protocol", "tunnel protocol must be \"CONNECT\" or \"POST\"");
        }

        if (NameRules.CheckFqdn(tunnel.TargetHost) is { } error && !NetAddress.IsIp(tunnel.TargetHost))
        {
            r.Error(s, "targetHost", $"tunnel target host must be a valid FQDN or IP address: {error}");
        }

        if (ValueRules.CheckPort(tunnel.TargetPort) is { } portError)
        {
            r.Error(s, "targetPort", "tunnel target port is invalid: " + portError);
        }
    }

    private static void RetryBudget(ResourceReporter r, RetryBudget? budget)
    {
        if (budget is null)
        {
            return;
        }

        if (budget.Percent is < 0 or > 100)
        {
            r.Error(budget.Source, "percent", $"percent {budget.Percent} is not in range 0..100");
        }

        if (budget.BudgetInterval is { } interval && interval < TimeSpan.Zero)
        {
            r.Error(budget.Source, "budgetInterval", "budgetInterval must not be negative");
        }
    }

    private static void NonNegative(ResourceReporter r, SourceLocation owner, string field, int value)
    {
        if (value < 0)
        {
            r.Error(owner, field, $"{field} must be non-negative");
        }
    }

    /// <summary>Envoy's primality test (Istio copies it to match Envoy exactly).</summary>
    private static bool IsPrime(ulong x)
    {
        if (x is > 0 and < 4)
        {
            return true;
        }

        if ((x & 1) == 0)
        {
            return false;
        }

        var limit = (ulong)Math.Sqrt(x);
        for (ulong factor = 3; factor <= limit; factor += 2)
        {
            if (x % factor == 0)
            {
                return false;
            }
        }

        return true;
    }
}
