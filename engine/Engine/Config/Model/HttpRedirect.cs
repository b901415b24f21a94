namespace Engine.Config.Model;

/// <summary>Local redirect reply; <see cref="Port"/> and <see cref="DerivePort"/> are a oneof.</summary>
internal sealed record HttpRedirect : ModelNode
{
    /// <summary>Replaces the whole path.</summary>
    public string Uri { get; init; } = "";

    /// <summary>Replaces the matched prefix; exclusive with <see cref="Uri"/>.</summary>
    public string PrefixRewrite { get; init; } = "";

    public string Authority { get; init; } = "";

    public uint? Port { get; init; }

    public RedirectPortSelection? DerivePort { get; init; }

    /// <summary><c>http</c> or <c>https</c>; empty keeps the request scheme.</summary>
    public string Scheme { get; init; } = "";

    /// <summary>0 means 301.</summary>
    public uint RedirectCode { get; init; }
}
