using System.Text;
using Engine.Routing.Policies;

namespace Engine.Tests.Routing.Policies;

public sealed class RetryOnHeaderTests
{
    [Theory]
    [InlineData("5xx", false, (int)(RetryOn.FiveXx))]
    [InlineData("5xx,gateway-error", false, (int)(RetryOn.FiveXx | RetryOn.GatewayError))]
    [InlineData(" reset , connect-failure ", false, (int)(RetryOn.Reset | RetryOn.ConnectFailure))]
    [InlineData("retriable-status-codes,refused-stream,retriable-4xx", false, (int)(RetryOn.RetriableStatusCodes | RetryOn.RefusedStream | RetryOn.Retriable4xx))]
    [InlineData("reset-before-request,envoy-ratelimited", false, (int)(RetryOn.ResetBeforeRequest | RetryOn.EnvoyRateLimited))]
    [InlineData("5xx,bogus,,", false, (int)(RetryOn.FiveXx))]      // unknown and empty tokens are skipped
    [InlineData("unavailable", false, (int)(RetryOn.None))]         // a gRPC condition belongs in x-envoy-retry-grpc-on
    [InlineData("5XX", false, (int)(RetryOn.None))]                 // Envoy compares tokens exactly
    [InlineData("cancelled,deadline-exceeded", true, (int)(RetryOn.Cancelled | RetryOn.DeadlineExceeded))]
    [InlineData("resource-exhausted,unavailable,internal", true, (int)(RetryOn.ResourceExhausted | RetryOn.Unavailable | RetryOn.Internal))]
    [InlineData("5xx", true, (int)(RetryOn.None))]
    [InlineData("", true, (int)(RetryOn.None))]
    public void Parse(string value, bool grpc, int expected)
        => Assert.Equal((RetryOn)expected, RetryOnHeader.Parse(Encoding.ASCII.GetBytes(value), grpc));
}
