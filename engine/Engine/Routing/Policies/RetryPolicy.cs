namespace Engine.Routing.Policies;

/// <summary>
/// A route's retry policy, compiled. <see cref="IstioDefault"/> is what applies when a route has
/// no <c>retries</c>: 2 retries on connect-failure, refused-stream, unavailable, cancelled and
/// retriable-status-codes with no codes (503 left the default in Istio 1.24), previous hosts
/// avoided, 25 ms back-off base (istio-semantics.md §3.10, Appendix A).
/// </summary>
internal sealed record RetryPolicy(int Attempts, RetryOn On, IReadOnlyList<int> StatusCodes, TimeSpan? PerTryTimeout, bool AvoidPreviousHosts, TimeSpan BackoffBase)
{
    public static readonly RetryPolicy IstioDefault = new(
        2,
        RetryOn.ConnectFailure | RetryOn.RefusedStream | RetryOn.Unavailable | RetryOn.Cancelled | RetryOn.RetriableStatusCodes,
        [],
        null,
        AvoidPreviousHosts: true,
        TimeSpan.FromMilliseconds(25));

    /// <summary><c>attempts: 0</c>: no retry at all.</summary>
    public static readonly RetryPolicy Disabled = new(0, RetryOn.None, [], null, true, TimeSpan.FromMilliseconds(25));

    /// <summary><c>retryIgnorePreviousHosts</c> as written; null when the route leaves it to the default.</summary>
    public bool? ExplicitAvoidPreviousHosts { get; init; }

    /// <summary>
    /// Whether a retry avoids the hosts already tried. Toward a cluster that hashes requests
    /// (consistentHash with a key) Istio leaves the previous_hosts predicate out unless
    /// <c>retryIgnorePreviousHosts</c> is set, so a retry stays on the key's endpoint
    /// (istio-semantics.md §3.10, §4.3).
    /// </summary>
    public bool AvoidsPreviousHosts(bool hashing) => hashing ? ExplicitAvoidPreviousHosts ?? false : AvoidPreviousHosts;

    /// <summary>
    /// <c>retryRemoteLocalities</c>: Istio's previous_priorities retry priority (update frequency
    /// 2), so under locality failover, retries move on to the next priority levels instead of
    /// staying where the first tries failed.
    /// </summary>
    public bool RetryRemoteLocalities { get; init; }

    /// <summary>Envoy caps the back-off at ten times its base.</summary>
    public TimeSpan BackoffMax => BackoffBase * 10;

    private static readonly (RetryOn Flag, string Token)[] Tokens =
    [
        (RetryOn.FiveXx, "5xx"), (RetryOn.GatewayError, "gateway-error"), (RetryOn.Reset, "reset"),
        (RetryOn.ResetBeforeRequest, "reset-before-request"), (RetryOn.ConnectFailure, "connect-failure"),
        (RetryOn.Retriable4xx, "retriable-4xx"), (RetryOn.RefusedStream, "refused-stream"),
        (RetryOn.RetriableStatusCodes, "retriable-status-codes"), (RetryOn.RetriableHeaders, "retriable-headers"),
        (RetryOn.EnvoyRateLimited, "envoy-ratelimited"), (RetryOn.Http3PostConnectFailure, "http3-post-connect-failure"),
        (RetryOn.Cancelled, "cancelled"), (RetryOn.DeadlineExceeded, "deadline-exceeded"), (RetryOn.Internal, "internal"),
        (RetryOn.ResourceExhausted, "resource-exhausted"), (RetryOn.Unavailable, "unavailable"),
    ];

    /// <summary>The conditions in Envoy's spelling (<c>connect-failure,refused-stream,…</c>).</summary>
    public string OnTokens => string.Join(',', Tokens.Where(t => (On & t.Flag) != 0).Select(t => t.Token));

    public string Describe()
        => Attempts == 0 ? "no retries"
            : $"{Attempts} retries on {OnTokens}{(StatusCodes.Count > 0 ? " codes " + string.Join(',', StatusCodes) : string.Empty)}{(PerTryTimeout is { } t ? $", per try {t.TotalMilliseconds} ms" : string.Empty)}{(AvoidPreviousHosts ? ", other hosts first" : string.Empty)}{(RetryRemoteLocalities ? ", remote localities" : string.Empty)}, back-off {BackoffBase.TotalMilliseconds} ms";
}
