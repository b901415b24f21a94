using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>Per-route CORS policy.</summary>
internal sealed record CorsPolicy : ModelNode
{
    /// <summary>Deprecated exact origins; treated as exact matchers.</summary>
    public ImmutableArray<string> AllowOrigin { get; init; } = [];

    public ImmutableArray<StringMatch> AllowOrigins { get; init; } = [];

    public ImmutableArray<string> AllowMethods { get; init; } = [];

    public ImmutableArray<string> AllowHeaders { get; init; } = [];

    public ImmutableArray<string> ExposeHeaders { get; init; } = [];

    public TimeSpan? MaxAge { get; init; }

    public bool? AllowCredentials { get; init; }

    public UnmatchedPreflights UnmatchedPreflights { get; init; }
}

/// <summary>CorsPolicy.UnmatchedPreflights: what to do with preflights from origins that do not match.</summary>
internal enum UnmatchedPreflights
{
    Unspecified = 0,
    Forward = 1,
    Ignore = 2,
}
