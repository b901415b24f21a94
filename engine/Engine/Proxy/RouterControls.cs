using System.Buffers.Text;
using Engine.Protocols.Http;
using Engine.Routing.Policies;

namespace Engine.Proxy;

/// <summary>
/// The request headers Envoy's router takes instructions from: x-envoy-upstream-rq-timeout-ms
/// (replaces the route timeout, 0 = none), x-envoy-upstream-rq-per-try-timeout-ms,
/// x-envoy-max-retries, x-envoy-retry-on and x-envoy-retry-grpc-on (added to the route's
/// conditions), x-envoy-retriable-status-codes (added to its codes), and grpc-timeout (a gRPC
/// caller's deadline). The x-envoy-* ones are consumed: Envoy removes them before the request goes
/// upstream (FilterUtility::finalTimeout, RetryStateImpl::create); grpc-timeout stays (the caller
/// rewrites it). A malformed value is ignored, as Envoy ignores a number SimpleAtoi rejects.
/// </summary>
/// <remarks>
/// Envoy honours them on internal requests (its connection manager strips them from external
/// ones); a sidecar's downstream is the application in its own pod, so every request counts as
/// internal here. The common request carries none of them: <see cref="Take"/> then costs one AND
/// on the head's known-header bits.
/// </remarks>
internal struct RouterControls
{
    private static readonly ulong Consumed =
        HttpHead.MaskOf(KnownHeader.XEnvoyUpstreamRqTimeoutMs) | HttpHead.MaskOf(KnownHeader.XEnvoyUpstreamRqPerTryTimeoutMs)
        | HttpHead.MaskOf(KnownHeader.XEnvoyMaxRetries) | HttpHead.MaskOf(KnownHeader.XEnvoyRetryOn)
        | HttpHead.MaskOf(KnownHeader.XEnvoyRetryGrpcOn) | HttpHead.MaskOf(KnownHeader.XEnvoyRetriableStatusCodes);

    private static readonly ulong Read = Consumed | HttpHead.MaskOf(KnownHeader.GrpcTimeout);

    /// <summary>x-envoy-upstream-rq-timeout-ms, or -1.</summary>
    public long TimeoutMs;

    /// <summary>x-envoy-upstream-rq-per-try-timeout-ms, or -1.</summary>
    public long PerTryTimeoutMs;

    /// <summary>x-envoy-max-retries, or -1.</summary>
    public int MaxRetries;

    /// <summary>x-envoy-retry-on and x-envoy-retry-grpc-on together.</summary>
    public RetryOn RetryOn;

    /// <summary>grpc-timeout in milliseconds, or -1 (absent or malformed).</summary>
    public long GrpcTimeoutMs;

    /// <summary>x-envoy-retriable-status-codes: the value, kept in the request's arena (the field itself is removed).</summary>
    public ByteRange RetriableStatusCodes;

    public static RouterControls None => new() { TimeoutMs = -1, PerTryTimeoutMs = -1, MaxRetries = -1, GrpcTimeoutMs = -1 };

    /// <summary>Reads the control headers of <paramref name="head"/> and removes the x-envoy-* ones.</summary>
    public static RouterControls Take(HttpRequestHead head)
    {
        var controls = None;
        if (!head.MayContainAny(Read))
        {
            return controls;
        }

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var field = head.HeaderAt(i);
            var value = head.Span(field.Value);
            switch (field.Known)
            {
                case KnownHeader.GrpcTimeout:
                    if (controls.GrpcTimeoutMs < 0 && GrpcTimeout.TryParse(value, out var grpc))
                    {
                        controls.GrpcTimeoutMs = grpc;
                    }

                    continue;
                case KnownHeader.XEnvoyUpstreamRqTimeoutMs:
                    controls.TimeoutMs = controls.TimeoutMs < 0 ? Milliseconds(value) : controls.TimeoutMs;
                    break;
                case KnownHeader.XEnvoyUpstreamRqPerTryTimeoutMs:
                    controls.PerTryTimeoutMs = controls.PerTryTimeoutMs < 0 ? Milliseconds(value) : controls.PerTryTimeoutMs;
                    break;
                case KnownHeader.XEnvoyMaxRetries:
                    if (controls.MaxRetries < 0 && Milliseconds(value) is var count and >= 0)
                    {
                        controls.MaxRetries = (int)Math.Min(count, int.MaxValue);
                    }

                    break;
                case KnownHeader.XEnvoyRetryOn:
                    controls.RetryOn |= RetryOnHeader.Parse(value, grpc: false);
                    break;
                case KnownHeader.XEnvoyRetryGrpcOn:
                    controls.RetryOn |= RetryOnHeader.Parse(value, grpc: true);
                    break;
                case KnownHeader.XEnvoyRetriableStatusCodes:
                    if (controls.RetriableStatusCodes.IsEmpty)
                    {
                        controls.RetriableStatusCodes = field.Value;
                    }

                    break;
                default:
                    continue;
            }

            head.RemoveHeaderAt(i--);
        }

        return controls;
    }

    /// <summary>The route's retry conditions and those the request's headers add (Envoy ors them).</summary>
    public readonly RetryOn RetryOnFor(RetryPolicy policy) => policy.On | RetryOn;

    /// <summary>
    /// Retries allowed: x-envoy-max-retries when given (and some condition is on), else the route's
    /// count. A route with <c>attempts: 0</c> has no retry policy in Envoy, whose default count is
    /// 1: the headers' conditions then get one retry.
    /// </summary>
    public readonly int MaxRetriesFor(RetryPolicy policy)
    {
        if (RetryOnFor(policy) == RetryOn.None)
        {
            return 0;
        }

        if (MaxRetries >= 0)
        {
            return MaxRetries;
        }

        return policy.Attempts == 0 ? 1 : policy.Attempts;
    }

    /// <summary>Whether x-envoy-retriable-status-codes names <paramref name="status"/> (entries that are not numbers are skipped).</summary>
    public readonly bool NamesStatus(HttpRequestHead head, int status)
    {
        if (RetriableStatusCodes.IsEmpty)
        {
            return false;
        }

        var rest = head.Span(RetriableStatusCodes);
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf((byte)',');
            var token = (comma < 0 ? rest : rest[..comma]).Trim(" \t"u8);
            rest = comma < 0 ? default : rest[(comma + 1)..];
            if (Utf8Parser.TryParse(token, out int code, out var used) && used == token.Length && code == status)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A non-negative decimal, or -1 (Envoy's SimpleAtoi into an unsigned number).</summary>
    private static long Milliseconds(ReadOnlySpan<byte> value)
    {
        value = value.Trim(" \t"u8);
        return Utf8Parser.TryParse(value, out long number, out var used) && used == value.Length && number >= 0 ? number : -1;
    }
}
