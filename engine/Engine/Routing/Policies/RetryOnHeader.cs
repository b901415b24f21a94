using System.Text;

namespace Engine.Routing.Policies;

/// <summary>
/// The x-envoy-retry-on and x-envoy-retry-grpc-on request headers: comma-separated conditions in
/// Envoy's spelling (RetryStateImpl::parseRetryOn / parseRetryGrpcOn). Each header knows only its
/// own kind — "unavailable" in x-envoy-retry-on means nothing, as in Envoy — and unknown tokens are
/// skipped.
/// </summary>
internal static class RetryOnHeader
{
    private static readonly (byte[] Token, RetryOn Flag)[] HttpTokens =
    [
        ("5xx"u8.ToArray(), RetryOn.FiveXx), ("gateway-error"u8.ToArray(), RetryOn.GatewayError),
        ("connect-failure"u8.ToArray(), RetryOn.ConnectFailure), ("envoy-ratelimited"u8.ToArray(), RetryOn.EnvoyRateLimited),
        ("retriable-4xx"u8.ToArray(), RetryOn.Retriable4xx), ("refused-stream"u8.ToArray(), RetryOn.RefusedStream),
        ("retriable-status-codes"u8.ToArray(), RetryOn.RetriableStatusCodes), ("retriable-headers"u8.ToArray(), RetryOn.RetriableHeaders),
        ("reset"u8.ToArray(), RetryOn.Reset), ("reset-before-request"u8.ToArray(), RetryOn.ResetBeforeRequest),
        ("http3-post-connect-failure"u8.ToArray(), RetryOn.Http3PostConnectFailure),
    ];

    private static readonly (byte[] Token, RetryOn Flag)[] GrpcTokens =
    [
        ("cancelled"u8.ToArray(), RetryOn.Cancelled), ("deadline-exceeded"u8.ToArray(), RetryOn.DeadlineExceeded),
        ("resource-exhausted"u8.ToArray(), RetryOn.ResourceExhausted), ("unavailable"u8.ToArray(), RetryOn.Unavailable),
        ("internal"u8.ToArray(), RetryOn.Internal),
    ];

    public static RetryOn Parse(ReadOnlySpan<byte> value, bool grpc)
    {
        var table = grpc ? GrpcTokens : HttpTokens;
        var on = RetryOn.None;
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            value = comma < 0 ? default : value[(comma + 1)..];
            foreach (var (known, flag) in table)
            {
                if (token.SequenceEqual(known))
                {
                    on |= flag;
                    break;
                }
            }
        }

        return on;
    }
}
