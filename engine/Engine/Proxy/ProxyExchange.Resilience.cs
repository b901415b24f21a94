using System.Buffers;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Routing.Policies;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>Timeouts, retries, faults, mirrors, circuit breaking and outlier recording for the session's requests.</summary>
internal abstract partial class ProxyExchange
{
    /// <summary>The session's deadline timer, created the first time a request has a timeout (<see cref="BeginDeadlines"/>).</summary>
    private protected RequestDeadlines? _deadlines;

    /// <summary>A timeout that fired during the attempt overrides what the abort looked like.</summary>
    private protected ForwardError TimeoutOr(ForwardError error)
    {
        if (_deadlines is not { } deadlines)
        {
            return error;
        }

        if (deadlines.RouteExpired && error != ForwardError.None)
        {
            _flags |= ResponseFlags.UpstreamRequestTimeout;
            _flags &= ~ResponseFlags.UpstreamConnectionTermination;
            return ForwardError.RouteTimeout;
        }

        if (deadlines.TryExpired && error != ForwardError.None)
        {
            _flags |= ResponseFlags.UpstreamRequestTimeout;
            _flags &= ~ResponseFlags.UpstreamConnectionTermination;
            return ForwardError.PerTryTimeout;
        }

        return error;
    }

    /// <summary>
    /// Fault injection: a delay drawn with its percentage, then an abort drawn independently
    /// (istio-semantics.md §3.12). No percentage configured means it never fires.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected async ValueTask<LocalReply?> InjectFaultAsync(FaultPolicy fault)
    {
        if (fault.Delay is { } delay && Draw(fault.DelayPercent))
        {
            _flags |= ResponseFlags.DelayInjected;
            await Task.Delay(delay, _server.Time).ConfigureAwait(false);
        }

        if ((fault.AbortHttpStatus is not null || fault.AbortGrpcStatus is not null) && Draw(fault.AbortPercent))
        {
            return LocalReplies.FaultAbort(fault.AbortHttpStatus, fault.AbortGrpcStatus);
        }

        return null;
    }

    /// <summary>True with probability <paramref name="percent"/>/100 (Envoy's granularity is 0.0001 %).</summary>
    private protected bool Draw(double percent) => percent > 0 && (percent >= 100 || _server.Random.NextDouble() * 100 < percent);

    /// <summary>
    /// An attempt failed or answered: is it one the policy retries? (Envoy's wouldRetryFromReset /
    /// wouldRetryFromHeaders.) A circuit-breaker overflow and the route timeout never are; a
    /// response carrying x-envoy-overloaded is not either.
    /// </summary>
    private protected bool IsRetriable(RetryPolicy policy, ForwardError error)
    {
        var on = RetryOnFor(policy);
        switch (error)
        {
            case ForwardError.None:
                var status = _response.StatusCode;
                var retriable = ((on & RetryOn.FiveXx) != 0 && status >= 500)
                    || ((on & RetryOn.GatewayError) != 0 && status is 502 or 503 or 504)
                    || ((on & RetryOn.Retriable4xx) != 0 && status == 409)
                    || ((on & RetryOn.RetriableStatusCodes) != 0 && IsRetriableStatus(policy, status))
                    || ((on & RetryOn.EnvoyRateLimited) != 0 && _response.IndexOf("x-envoy-ratelimited"u8) >= 0)
                    || IsRetriableGrpcStatus(on);

                // An overloaded upstream is never retried; looked for only when a retry is on the cards.
                return retriable && _response.IndexOf(KnownHeader.XEnvoyOverloaded) < 0;

            case ForwardError.ConnectFailed:
                return (on & (RetryOn.ConnectFailure | RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset | RetryOn.ResetBeforeRequest)) != 0;

            case ForwardError.UpstreamResetBeforeResponse:
                // reset-before-request only when nothing of the request was sent; a reset after that is "reset".
                return (on & (RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset)) != 0;

            case ForwardError.PerTryTimeout:
                return (on & (RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset)) != 0;

            case ForwardError.UpstreamProtocolError:
                return (on & (RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset)) != 0;

            case ForwardError.UpstreamRefusedStream:
                return (on & (RetryOn.RefusedStream | RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset | RetryOn.ResetBeforeRequest)) != 0;

            case ForwardError.UpstreamResetStream:
                return (on & (RetryOn.FiveXx | RetryOn.GatewayError | RetryOn.Reset)) != 0;

            default:
                return false;
        }
    }

    /// <summary>gRPC conditions look at grpc-status in the response headers (a trailers-only answer).</summary>
    private protected bool IsRetriableGrpcStatus(RetryOn on)
    {
        if ((on & (RetryOn.Cancelled | RetryOn.DeadlineExceeded | RetryOn.Internal | RetryOn.ResourceExhausted | RetryOn.Unavailable)) == 0)
        {
            return false;
        }

        var index = _response.IndexOf("grpc-status"u8);
        if (index < 0 || !System.Buffers.Text.Utf8Parser.TryParse(_response.ValueOf(index), out int code, out _))
        {
            return false;
        }

        return code switch
        {
            GrpcStatusCodes.Cancelled => (on & RetryOn.Cancelled) != 0,
            GrpcStatusCodes.DeadlineExceeded => (on & RetryOn.DeadlineExceeded) != 0,
            GrpcStatusCodes.Internal => (on & RetryOn.Internal) != 0,
            GrpcStatusCodes.ResourceExhausted => (on & RetryOn.ResourceExhausted) != 0,
            GrpcStatusCodes.Unavailable => (on & RetryOn.Unavailable) != 0,
            _ => false,
        };
    }

    private protected static bool Contains(IReadOnlyList<int> codes, int status)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            if (codes[i] == status)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether another attempt may go: retries left, the route deadline not passed, the client
    /// still there, the request body replayable, and the cluster's max-retries breaker admitting
    /// it (the slot is held through the back-off).
    /// </summary>
    private protected bool CanRetry(RetryPolicy policy, int retries, Cluster cluster)
    {
        if (retries >= MaxRetriesFor(policy) || _deadlines?.RouteExpired == true || ClientGone.IsCancellationRequested)
        {
            return false;
        }

        if (!Replayable)
        {
            ProxyLog.NotReplayable(_logger, Remote);
            return false;
        }

        return cluster.Breaker.TryStartRetry();
    }

    /// <summary>Envoy's back-off: uniform in [0, (2^n − 1) × base), capped at 10 × base; cut short by the route timeout.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private protected async ValueTask RetryBackoffAsync(RetryPolicy policy, int retry)
    {
        var baseMs = policy.BackoffBase.TotalMilliseconds;
        var ceiling = Math.Min(((1L << Math.Min(retry, 20)) - 1) * baseMs, policy.BackoffMax.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(_server.Random.NextDouble() * ceiling);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(delay, _server.Time, _deadlines?.Token ?? CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The route timeout fired during the back-off; the caller answers 504.
        }
    }

    /// <summary>What the outlier detector learns from an attempt (overflows and client-side problems teach nothing).</summary>
    private protected void RecordOutlier(Cluster cluster, Endpoint endpoint, bool connected, ForwardError error)
    {
        if (cluster.Outlier is not { } outlier)
        {
            return;
        }

        switch (error)
        {
            case ForwardError.None:
                outlier.RecordLocalSuccess(endpoint);
                outlier.RecordResponse(endpoint, _response.StatusCode);
                break;
            case ForwardError.ConnectFailed or ForwardError.UpstreamResetBeforeResponse or ForwardError.UpstreamResetStream or ForwardError.PerTryTimeout or ForwardError.RouteTimeout:
                if (connected || error == ForwardError.ConnectFailed)
                {
                    outlier.RecordLocalFailure(endpoint);
                }

                break;
            case ForwardError.UpstreamProtocolError:
                outlier.RecordResponse(endpoint, 502);
                break;
        }
    }

    /// <summary>
    /// A connection for an attempt when no idle one was free: a new one, or — at the cluster's
    /// maxConnections — a place in the pending queue (http1MaxPendingRequests; overflow is 503
    /// UO), waiting until a connection is released or closed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected async ValueTask<(ForwardError Error, UpstreamConnection? Connection)> LeaseAsync(Endpoint endpoint, Cluster cluster)
    {
        var cancellation = _deadlines?.Token ?? CancellationToken.None;
        while (true)
        {
            var (result, connection) = await endpoint.Pool.ConnectAsync(ClientGone).ConfigureAwait(false);
            if (connection is not null)
            {
                return (ForwardError.None, connection);
            }

            if (result.Outcome != ConnectOutcome.AtLimit)
            {
                _flags |= ResponseFlags.UpstreamConnectionFailure;
                NoteConnectFailure(endpoint, result.Outcome, result.TransportFailure, result.FailureDetail);
                return (ForwardError.ConnectFailed, null);
            }

            if (!cluster.Breaker.TryEnterPending())
            {
                return (ForwardError.Overflow, null);
            }

            var waiter = endpoint.Pool.WaitForConnection();
            try
            {
                var handed = await waiter.Task.WaitAsync(cancellation).ConfigureAwait(false);
                if (handed is not null)
                {
                    return (ForwardError.None, handed);
                }

                // A connection closed: try to open one of our own.
                if (endpoint.Pool.TryTakeIdle() is { } idle)
                {
                    return (ForwardError.None, idle);
                }
            }
            catch (OperationCanceledException)
            {
                endpoint.Pool.CancelWait(waiter);
                return (ForwardError.RouteTimeout, null);
            }
            finally
            {
                cluster.Breaker.LeavePending();
            }
        }
    }

    /// <summary>Ends the request's hold on its cluster's max-requests slot and its deadlines.</summary>
    private protected void EndAttempts(ref Cluster? admitted)
    {
        if (admitted is not null)
        {
            admitted.Breaker.EndRequest();
            for (; _retrySlots > 0; _retrySlots--)
            {
                admitted.Breaker.EndRetry();
            }
        }

        admitted = null;
        _deadlines?.End();
    }

    /// <summary>
    /// Sends the mirrored copies (<c>mirror</c>, <c>mirrors</c>), each with its own percentage,
    /// fire and forget. A copy needs the whole body at hand: each protocol calls this once the body
    /// has ended (or at once when there is none); a body past the retry buffer is not copied
    /// (counted as dropped), as Envoy's buffered shadows were (1.33 and later stream them).
    /// </summary>
    private protected void DispatchMirrors()
    {
        var mirrors = _action!.Mirrors;
        if (mirrors.Length == 0)
        {
            return;
        }

        var port = Engine.Routing.RouteTable.PortOf(_request);
        foreach (var mirror in mirrors)
        {
            if (!Draw(mirror.Percent))
            {
                continue;
            }

            var cluster = mirror.Target.Resolve(port);
            if (cluster is null)
            {
                _server.Mirrors.CountDropped();
            }
            else if (cluster.SpeaksHttp2(DownstreamIsHttp2))
            {
                if (TrySnapshotHttp2Request(cluster, out var head, out var body, out var length))
                {
                    _server.Mirrors.TryDispatchHttp2(cluster, head, body, length);
                }
                else
                {
                    _server.Mirrors.CountDropped();
                }
            }
            else if (TrySnapshotRequest(out var bytes, out var length))
            {
                _server.Mirrors.TryDispatch(cluster, bytes, length);
            }
            else
            {
                _server.Mirrors.CountDropped();
            }
        }
    }

    /// <summary>
    /// The request (as rewritten) for an HTTP/2 cluster: a head of its own, as an attempt's stream
    /// gets it (with the -shadow host when that is on), and the body in a pooled buffer; false when
    /// the body is not all here.
    /// </summary>
    private protected bool TrySnapshotHttp2Request(Cluster cluster, out HttpRequestHead head, out byte[] body, out int length)
    {
        head = null!;
        body = [];
        length = 0;
        ReadOnlySequence<byte> whole = default;
        var peeked = MayHaveBody;
        if (peeked && !TryPeekBodyToCopy(out whole, decoded: true))
        {
            return false;
        }

        length = (int)whole.Length;
        body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        whole.CopyTo(body);
        if (peeked)
        {
            EndPeek(); // the body stays for the real request
        }

        head = new HttpRequestHead();
        CopyHttp2RequestHead(head, upstreamTls: cluster.Settings.Tls is not null);
        if (_server.Options.MirrorShadowHostSuffix)
        {
            head.Authority = head.Append(Mirroring.ShadowHost.Of(head.Span(head.Authority)));
        }

        return true;
    }

    /// <summary>The request (as rewritten) serialised with its body, in a pooled buffer, or false when the body is not all here.</summary>
    private protected bool TrySnapshotRequest(out byte[] bytes, out int length)
    {
        ReadOnlySequence<byte> body = default;
        bytes = [];
        length = 0;
        var peeked = false;
        if (MayHaveBody)
        {
            if (!TryPeekBodyToCopy(out body, decoded: false))
            {
                return false;
            }

            peeked = true;
        }

        var writer = new ArrayBufferWriter<byte>(1024 + (int)body.Length);
        RequestHeadSerializer.Write(writer, _request, new UpstreamRequestExtras(0, _server.Options.GenerateRequestId, _server.Options.MirrorShadowHostSuffix, BodyLength: body.Length));
        foreach (var segment in body)
        {
            writer.Write(segment.Span);
        }

        if (peeked)
        {
            EndPeek(); // the body stays for the real request
        }

        length = writer.WrittenCount;
        bytes = ArrayPool<byte>.Shared.Rent(length);
        writer.WrittenSpan.CopyTo(bytes);
        return true;
    }
}
