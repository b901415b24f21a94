using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>The policy messages of a TrafficPolicy.</summary>
internal static partial class DestinationRuleBinder
{
    private static readonly EnumTable<H2UpgradePolicy> H2UpgradePolicies = new(
        ("DEFAULT", 0, H2UpgradePolicy.Default),
        ("DO_NOT_UPGRADE", 1, H2UpgradePolicy.DoNotUpgrade),
        ("UPGRADE", 2, H2UpgradePolicy.Upgrade));

    private static readonly EnumTable<TlsMode> TlsModes = new(
        ("DISABLE", 0, TlsMode.Disable),
        ("SIMPLE", 1, TlsMode.Simple),
        ("MUTUAL", 2, TlsMode.Mutual),
        ("ISTIO_MUTUAL", 3, TlsMode.IstioMutual));

    private static readonly EnumTable<ProxyProtocolVersion> ProxyProtocolVersions = new(
        ("V1", 0, ProxyProtocolVersion.V1),
        ("V2", 1, ProxyProtocolVersion.V2));

    private static ConnectionPoolSettings? ConnectionPool(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ConnectionPoolSettings();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "tcp" => result with { Tcp = r.Message(f, TcpSettings) },
                "http" => result with { Http = r.Message(f, HttpSettings) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TcpSettings? TcpSettings(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TcpSettings();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "maxConnections" => result with { MaxConnections = ctx.Int32(f.Value, f.Path) ?? 0 },
                "connectTimeout" => result with { ConnectTimeout = ctx.Duration(f.Value, f.Path) },
                "tcpKeepalive" => result with { TcpKeepalive = r.Message(f, TcpKeepalive) },
                "maxConnectionDuration" => result with { MaxConnectionDuration = ctx.Duration(f.Value, f.Path) },
                "idleTimeout" => result with { IdleTimeout = ctx.Duration(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TcpKeepalive? TcpKeepalive(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TcpKeepalive();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "probes" => result with { Probes = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "time" => result with { Time = ctx.Duration(f.Value, f.Path) },
                "interval" => result with { Interval = ctx.Duration(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpSettings? HttpSettings(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpSettings();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "http1MaxPendingRequests" => result with { Http1MaxPendingRequests = ctx.Int32(f.Value, f.Path) ?? 0 },
                "http2MaxRequests" => result with { Http2MaxRequests = ctx.Int32(f.Value, f.Path) ?? 0 },
                "maxRequestsPerConnection" => result with { MaxRequestsPerConnection = ctx.Int32(f.Value, f.Path) ?? 0 },
                "maxRetries" => result with { MaxRetries = ctx.Int32(f.Value, f.Path) ?? 0 },
                "idleTimeout" => result with { IdleTimeout = ctx.Duration(f.Value, f.Path) },
                "h2UpgradePolicy" => result with { H2UpgradePolicy = ctx.Enum(f.Value, f.Path, H2UpgradePolicies) ?? default },
                "useClientProtocol" => result with { UseClientProtocol = ctx.Bool(f.Value, f.Path) ?? false },
                "maxConcurrentStreams" => result with { MaxConcurrentStreams = ctx.Int32(f.Value, f.Path) ?? 0 },
                "http2KeepAlive" => result with { Http2KeepAlive = r.Message(f, Http2KeepAlive) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static Http2KeepAlive? Http2KeepAlive(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Http2KeepAlive();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "interval" => result with { Interval = ctx.Duration(f.Value, f.Path) },
                "timeout" => result with { Timeout = ctx.Duration(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static OutlierDetection? OutlierDetection(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new OutlierDetection();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "consecutiveErrors" => result with { ConsecutiveErrors = ctx.Int32(f.Value, f.Path) },
                "splitExternalLocalOriginErrors" => result with { SplitExternalLocalOriginErrors = ctx.Bool(f.Value, f.Path) ?? false },
                "consecutiveLocalOriginFailures" => result with { ConsecutiveLocalOriginFailures = ctx.UInt32(f.Value, f.Path) },
                "consecutiveGatewayErrors" => result with { ConsecutiveGatewayErrors = ctx.UInt32(f.Value, f.Path) },
                "consecutive5xxErrors" => result with { Consecutive5xxErrors = ctx.UInt32(f.Value, f.Path) },
                "interval" => result with { Interval = ctx.Duration(f.Value, f.Path) },
                "baseEjectionTime" => result with { BaseEjectionTime = ctx.Duration(f.Value, f.Path) },
                "maxEjectionPercent" => result with { MaxEjectionPercent = ctx.Int32(f.Value, f.Path) ?? 0 },
                "minHealthPercent" => result with { MinHealthPercent = ctx.Int32(f.Value, f.Path) ?? 0 },
                "outlierDetectionHttpErrorCodes" => result with { OutlierDetectionHttpErrorCodes = r.UInt32List(f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static ClientTlsSettings? ClientTls(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ClientTlsSettings();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "mode" => result with { Mode = ctx.Enum(f.Value, f.Path, TlsModes) ?? default },
                "clientCertificate" => result with { ClientCertificate = r.String(f) ?? "" },
                "privateKey" => result with { PrivateKey = r.String(f) ?? "" },
                "caCertificates" => result with { CaCertificates = r.String(f) ?? "" },
                "credentialName" => result with { CredentialName = r.String(f) ?? "" },
                "subjectAltNames" => result with { SubjectAltNames = r.StringList(f) },
                "sni" => result with { Sni = r.String(f) ?? "" },
                "insecureSkipVerify" => result with { InsecureSkipVerify = ctx.Bool(f.Value, f.Path) },
                "caCrl" => result with { CaCrl = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TunnelSettings? Tunnel(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TunnelSettings();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "protocol" => result with { Protocol = r.String(f) ?? "" },
                "targetHost" => result with { TargetHost = r.String(f) ?? "" },
                "targetPort" => result with { TargetPort = ctx.UInt32(f.Value, f.Path) ?? 0 },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static ProxyProtocol? ProxyProtocol(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ProxyProtocol();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "version" => result with { Version = ctx.Enum(f.Value, f.Path, ProxyProtocolVersions) ?? default },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static RetryBudget? RetryBudget(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new RetryBudget();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "percent" => result with { Percent = ctx.Double(f.Value, f.Path) },
                "minRetryConcurrency" => result with { MinRetryConcurrency = ctx.UInt32(f.Value, f.Path) },
                "budgetInterval" => result with { BudgetInterval = ctx.Duration(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
