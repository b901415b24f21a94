using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>Upstream TLS origination.</summary>
internal sealed record ClientTlsSettings : ModelNode
{
    public TlsMode Mode { get; init; }

    public string ClientCertificate { get; init; } = "";

    public string PrivateKey { get; init; } = "";

    public string CaCertificates { get; init; } = "";

    public string CredentialName { get; init; } = "";

    public ImmutableArray<string> SubjectAltNames { get; init; } = [];

    public string Sni { get; init; } = "";

    public bool? InsecureSkipVerify { get; init; }

    public string CaCrl { get; init; } = "";
}

/// <summary>ClientTLSSettings.TLSmode.</summary>
internal enum TlsMode
{
    Disable = 0,
    Simple = 1,
    Mutual = 2,
    IstioMutual = 3,
}
