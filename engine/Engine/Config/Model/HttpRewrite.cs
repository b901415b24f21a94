namespace Engine.Config.Model;

/// <summary>Rewrites applied before forwarding (and to mirrored copies).</summary>
internal sealed record HttpRewrite : ModelNode
{
    /// <summary>Replaces the matched prefix (or whole path for exact/regex matches).</summary>
    public string Uri { get; init; } = "";

    public string Authority { get; init; } = "";

    public RegexRewrite? UriRegexRewrite { get; init; }
}

/// <summary>RE2 <see cref="Match"/> replaced by <see cref="Rewrite"/> (which may use <c>\1</c>…).</summary>
internal sealed record RegexRewrite : ModelNode
{
    public string Match { get; init; } = "";

    public string Rewrite { get; init; } = "";
}
