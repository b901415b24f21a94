namespace Engine.Routing.Policies;

/// <summary>Envoy/Istio <c>retryOn</c> conditions (istio-semantics.md §3.10).</summary>
[Flags]
internal enum RetryOn
{
    None = 0,
    FiveXx = 1 << 0,
    GatewayError = 1 << 1,
    Reset = 1 << 2,
    ResetBeforeRequest = 1 << 3,
    ConnectFailure = 1 << 4,
    Retriable4xx = 1 << 5,
    RefusedStream = 1 << 6,
    RetriableStatusCodes = 1 << 7,
    RetriableHeaders = 1 << 8,
    EnvoyRateLimited = 1 << 9,
    Http3PostConnectFailure = 1 << 10,

    // gRPC conditions: the grpc-status of a response's headers.
    Cancelled = 1 << 11,
    DeadlineExceeded = 1 << 12,
    Internal = 1 << 13,
    ResourceExhausted = 1 << 14,
    Unavailable = 1 << 15,
}
