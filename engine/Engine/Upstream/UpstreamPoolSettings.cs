namespace Engine.Upstream;

/// <summary>
/// Per-cluster connection settings with Istio's defaults (istio-semantics.md Appendix A):
/// connect timeout 10 s, idle timeout 1 h, unlimited requests per connection.
/// </summary>
internal sealed record UpstreamPoolSettings
{
    public static readonly UpstreamPoolSettings Default = new();

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>0 = unlimited (DestinationRule <c>http.maxRequestsPerConnection</c>).</summary>
    public int MaxRequestsPerConnection { get; init; }

    /// <summary>Idle connections kept per endpoint; more are closed when returned.</summary>
    public int MaxIdleConnections { get; init; } = 1024;
}
