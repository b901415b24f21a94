using Engine.Protocols.Http;
using Engine.Routing.Policies;

namespace Engine.Proxy;

/// <summary>
/// What one request's own headers change in the route's timeout and retry policy (Envoy's router
/// headers and gRPC deadlines, <see cref="RouterControls"/>), and what the upstream is told about
/// its deadline (x-envoy-expected-rq-timeout-ms, and a rewritten grpc-timeout for gRPC).
/// </summary>
internal abstract partial class ProxyExchange
{
    private protected RouterControls _controls = RouterControls.None;
    private protected RequestTimeouts _timeouts;
    private long _timeoutsBegan;
    private bool _grpcRequest;

    /// <summary>
    /// The routed request is about to be forwarded: its control headers are read (and the x-envoy-*
    /// ones removed), its timeouts settled, and the route deadline starts.
    /// </summary>
    private protected void BeginDeadlines()
    {
        var action = _action!;
        _controls = RouterControls.Take(_request);
        var routeMs = RequestTimeouts.Milliseconds(action.Timeout);
        var perTryMs = RequestTimeouts.Milliseconds(action.Retry.PerTryTimeout);

        // The content-type is looked at only when some timeout is in play: a gRPC request's
        // deadline comes from grpc-timeout, and the upstream gets one rewritten.
        _grpcRequest = (routeMs != 0 || perTryMs != 0 || _controls.GrpcTimeoutMs >= 0 || _controls.TimeoutMs > 0 || _controls.PerTryTimeoutMs > 0)
            && GrpcLocalReplies.IsGrpcRequest(_request);
        _timeouts = RequestTimeouts.Compute(routeMs, perTryMs, _grpcRequest, _controls.GrpcTimeoutMs, _controls.TimeoutMs, _controls.PerTryTimeoutMs);
        if (_deadlines is null && !_timeouts.Any)
        {
            return; // the session's timer is created the first time a request has a timeout
        }

        _deadlines ??= new RequestDeadlines(_server.Time);
        _timeoutsBegan = _server.Time.GetTimestamp();
        _deadlines.Begin(_timeouts.Global);
    }

    /// <summary>The timeout of each attempt (the route's per-try timeout, or the request's header).</summary>
    private protected TimeSpan? PerTryTimeout => _timeouts.PerTry;

    /// <summary>
    /// x-envoy-expected-rq-timeout-ms for the attempt starting now; 0 when there is no timeout. The
    /// first attempt gets the whole timeout (Envoy computes it before the request is sent); a retry
    /// what is left of it.
    /// </summary>
    private protected long ExpectedTimeoutMs(int attempt)
        => !_timeouts.Any ? 0
            : _timeouts.ExpectedMs(attempt <= 1 ? 0 : (long)_server.Time.GetElapsedTime(_timeoutsBegan).TotalMilliseconds);

    /// <summary>Whether the upstream's grpc-timeout is replaced by the expected timeout (a gRPC request; Istio always sets max_grpc_timeout).</summary>
    private protected bool RewritesGrpcTimeout => _grpcRequest;

    private protected RetryOn RetryOnFor(RetryPolicy policy) => _controls.RetryOnFor(policy);

    private protected int MaxRetriesFor(RetryPolicy policy) => _controls.MaxRetriesFor(policy);

    /// <summary>A status among the route's retriable codes or the request's x-envoy-retriable-status-codes.</summary>
    private protected bool IsRetriableStatus(RetryPolicy policy, int status)
        => Contains(policy.StatusCodes, status) || _controls.NamesStatus(_request, status);
}
