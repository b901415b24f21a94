using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Protocols.Http;
using Engine.Routing.Policies;
using Engine.Transport;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// The attempt loop for every exchange that is not HTTP/1.1 on both sides (that one has its
/// allocation-free loop in <see cref="Http1ProxySession.RunAsync"/>): pick an endpoint, admit it
/// through the circuit breaker, run an attempt over HTTP/1.1 (.Http1Upstream.cs) or HTTP/2
/// (.Http2Upstream.cs) until the response head, decide on a retry with the same rules, then relay
/// the response through the downstream side's hooks below.
/// </summary>
internal abstract partial class ProxyExchange
{
    // The downstream side, as the attempt loop needs it.

    /// <summary>
    /// Copies the request body (what has not been peeked and replayed) into <paramref name="destination"/>
    /// until its end; <paramref name="encodeChunked"/> frames it as HTTP/1.1 chunks. Does not complete the destination.
    /// With a <paramref name="lender"/> (the destination's own, an upstream connection's output that
    /// can send from the source's memory) the body may be lent rather than copied: the caller then
    /// aborts that connection before it gives up on an unfinished copy (EndUpstreamAsync), so a lend
    /// out always comes back before the source's blocks can be let go.
    /// </summary>
    private protected abstract ValueTask<BodyResult> CopyRequestBodyAsync(PipeWriter destination, bool encodeChunked, IOutboundLender? lender = null);

    /// <summary>The client speaks HTTP/2 (a cluster that follows the client's protocol then does too).</summary>
    private protected virtual bool DownstreamIsHttp2 => false;

    /// <summary>The request's trailers, once its body has been copied (HTTP/2 clients send them; gRPC rarely does).</summary>
    private protected virtual HttpTrailers? RequestTrailers => null;

    /// <summary>Sends <see cref="_response"/> downstream; <paramref name="endStream"/> when no body follows. False: the client is gone.</summary>
    private protected abstract ValueTask<bool> SendResponseHeadAsync(bool endStream);

    /// <summary>Where the response body goes, and whether it must be chunk-encoded on the way (an HTTP/1.1 client of an unsized body).</summary>
    private protected abstract PipeWriter ResponseBodyWriter { get; }

    private protected abstract bool ResponseBodyChunked { get; }

    /// <summary>Ends the response after its body, with the upstream's trailers when it had some (HTTP/2 carries them; HTTP/1.1 drops them).</summary>
    private protected abstract ValueTask<BodyResult> CompleteResponseAsync(HttpTrailers? trailers);

    /// <summary>The response was cut off after its head went out: the client must see a failure, never a complete-looking message.</summary>
    private protected abstract void AbortResponse();

    /// <summary>
    /// A WebSocket upgrade an HTTP/2 server accepted (<see cref="UpgradeForwarded"/> only): 101
    /// downstream, then the stream's bytes both ways until the tunnel ends. The caller disposes the stream.
    /// </summary>
    private protected virtual ValueTask RunHttp2UpgradedAsync(Engine.Http2.Client.Http2ClientStream stream, long upstreamStarted) => throw new NotSupportedException();

    // The upstream side of the attempt in flight (at most one of the two).
    private UpstreamConnection? _h1Upstream;
    private Engine.Http2.Client.Http2ClientStream? _h2Upstream;
    private ValueTask<BodyResult> _requestPump;

    /// <summary>
    /// Forwards the routed request to <paramref name="cluster"/> under the route's retry policy.
    /// Returns the local reply to send when no upstream response was relayed (503, 504, …), or null
    /// when the response went downstream (completely, or cut off and reported as such).
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private protected async ValueTask<LocalReply?> ForwardAsync(Cluster cluster)
    {
        var policy = _action?.Retry ?? RetryPolicy.Disabled;
        var retries = 0;
        var tried = new TriedEndpoints();
        Cluster? admitted = null;
        var again = false; // an attempt went before this one
        ulong excludedLevels = 0; // locality levels retries leave out (retryRemoteLocalities)
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (again && !Replayable)
                {
                    // The body outgrew the replay buffer between the decision and now (the last
                    // attempt's pump took more of a streaming upload before it stopped).
                    return LocalReplies.RetryBufferExceeded;
                }

                again = true;
                var endpoint = retries == 0 ? cluster.Pick(_hash) : PickForRetry(cluster, policy, tried, retries, ref excludedLevels);
                if (endpoint is null)
                {
                    return LocalReplies.For(ForwardError.NoHealthyUpstream);
                }

                if (admitted is null)
                {
                    if (!cluster.Breaker.TryStartRequest())
                    {
                        return LocalReplies.For(ForwardError.Overflow); // never retried
                    }

                    admitted = cluster;
                }

                _host = endpoint;
                _attempts = attempt;
                endpoint.RequestStarted();
                try
                {
                    var upstreamStarted = Stopwatch.GetTimestamp();
                    var (error, connected, reused) = cluster.SpeaksHttp2(DownstreamIsHttp2)
                        ? await StartHttp2AttemptAsync(endpoint, attempt).ConfigureAwait(false)
                        : await SendHttp1RequestAsync(endpoint, cluster, attempt).ConfigureAwait(false);
                    if (error == ForwardError.None && _h1Upstream is { } h1)
                    {
                        // The HTTP/1.1 response head, awaited here rather than in a method of its own (OnHttp1ResponseRead).
                        WatchClientFor(h1);
                        try
                        {
                            _informational = 0;
                            HeadStep step;
                            do
                            {
                                ReadResult read;
                                try
                                {
                                    read = await h1.Input.ReadAsync().ConfigureAwait(false);
                                }
                                catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
                                {
                                    _flags |= ResponseFlags.UpstreamConnectionTermination;
                                    error = ForwardError.UpstreamResetBeforeResponse;
                                    break;
                                }

                                step = OnHttp1ResponseRead(h1, read, ref error);
                            }
                            while (step == HeadStep.NeedMore);
                        }
                        finally
                        {
                            StopWatchingClient();
                        }
                    }

                    error = TimeoutOr(error);
                    _deadlines?.EndTry();
                    RecordOutlier(cluster, endpoint, connected, error);

                    if (error == ForwardError.UpstreamResetBeforeResponse && reused && Replayable)
                    {
                        // A pooled HTTP/1.1 connection the server had closed while idle: replay on a
                        // fresh one; not an attempt (nothing that matters reached the server).
                        _flags &= ~ResponseFlags.UpstreamConnectionTermination;
                        await EndUpstreamAsync(reusable: false).ConfigureAwait(false);
                        attempt--;
                        continue;
                    }

                    if (IsRetriable(policy, error) && CanRetry(policy, retries, cluster))
                    {
                        await EndUpstreamAsync(reusable: false).ConfigureAwait(false);
                        tried[Math.Min(retries, RememberedEndpoints - 1)] = endpoint;
                        retries++;
                        _server.Telemetry.OnUpstreamRetry(cluster);
                        _retrySlots++; // held until the request ends: the retry is outstanding until then
                        await RetryBackoffAsync(policy, retries).ConfigureAwait(false);
                        if (_deadlines?.RouteExpired == true)
                        {
                            return LocalReplies.For(ForwardError.RouteTimeout);
                        }

                        continue;
                    }

                    if (retries > 0 && IsRetriable(policy, error))
                    {
                        _flags |= ResponseFlags.UpstreamRetryLimitExceeded;
                    }

                    if (error != ForwardError.None)
                    {
                        var requestBody = await EndUpstreamAsync(reusable: false).ConfigureAwait(false);
                        if (ClientGone.IsCancellationRequested)
                        {
                            _flags |= ResponseFlags.DownstreamConnectionTermination;
                            _keepAlive = false;
                            return null; // nobody to answer
                        }

                        return Reply(requestBody == BodyResult.SourceInvalid ? ForwardError.DownstreamBodyInvalid : error);
                    }

                    if (UpgradeForwarded && _h2Upstream is { } tunnel && _response.StatusCode is >= 200 and < 300)
                    {
                        // The server accepted the extended CONNECT: the stream is the WebSocket now.
                        await RunHttp2UpgradedAsync(tunnel, upstreamStarted).ConfigureAwait(false);
                        return null;
                    }

                    await RelayResponseAsync(upstreamStarted).ConfigureAwait(false);
                    return null;
                }
                finally
                {
                    endpoint.RequestFinished();
                }
            }
        }
        finally
        {
            if (_h1Upstream is not null || _h2Upstream is not null)
            {
                await EndUpstreamAsync(reusable: false).ConfigureAwait(false);
            }

            EndAttempts(ref admitted);
        }
    }

    /// <summary>The response head has arrived and is final: head, body and end (trailers) downstream.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private async ValueTask RelayResponseAsync(long upstreamStarted)
    {
        _status = _response.StatusCode;
        _proxiedResponse = true;
        ApplyResponseEdits();
        _serviceTimeMs = (long)Stopwatch.GetElapsedTime(upstreamStarted).TotalMilliseconds;
        var endStream = !HttpResponseHead.CanHaveBody(_request.Method, _response.StatusCode) || ResponseBodyIsEmpty();
        if (!endStream && TryTakeWholeHttp1Body(out var whole))
        {
            // A small answer already here whole: head, body and end go downstream in one step.
            var delivered = await SendWholeResponseAsync(whole).ConfigureAwait(false);
            _h1Upstream!.Input.AdvanceTo(whole.End);
            _sent.Add(delivered ? whole.Length : 0);
            if (!delivered)
            {
                _flags |= ResponseFlags.DownstreamConnectionTermination;
                _keepAlive = false;
            }

            await EndUpstreamAsync(reusable: delivered).ConfigureAwait(false);
            return;
        }

        if (!await SendResponseHeadAsync(endStream).ConfigureAwait(false))
        {
            _flags |= ResponseFlags.DownstreamConnectionTermination;
            await EndUpstreamAsync(reusable: false).ConfigureAwait(false);
            return;
        }

        var body = endStream ? BodyResult.Complete : await CopyResponseBodyAsync().ConfigureAwait(false);
        if (body == BodyResult.Complete)
        {
            body = await CompleteResponseAsync(endStream ? null : UpstreamTrailers()).ConfigureAwait(false);
        }

        var requestBody = await EndUpstreamAsync(reusable: body == BodyResult.Complete).ConfigureAwait(false);
        if (requestBody != BodyResult.Complete)
        {
            _keepAlive = false; // answered before the whole request body went through
        }

        switch (body)
        {
            case BodyResult.Complete:
                return;
            case BodyResult.DestinationGone:
                _flags |= ResponseFlags.DownstreamConnectionTermination;
                _keepAlive = false;
                return;
            default:
                if (_deadlines?.RouteExpired == true)
                {
                    _flags |= ResponseFlags.UpstreamRequestTimeout;
                }

                _flags |= ResponseFlags.UpstreamRemoteReset;
                _keepAlive = false;
                AbortResponse();
                return;
        }
    }

    /// <summary>Largest body sent in one step with its head (HTTP/2 downstream; a stream buffers 64 KiB).</summary>
    private const int MaxWholeBodyBytes = 16 * 1024;

    /// <summary>
    /// Sends <see cref="_response"/> with <paramref name="body"/> (copied before it returns) and the
    /// end in one step; false when the client is gone. Only called when <see cref="SupportsWholeResponse"/>.
    /// </summary>
    private protected virtual ValueTask<bool> SendWholeResponseAsync(System.Buffers.ReadOnlySequence<byte> body) => throw new NotSupportedException();

    /// <summary>An HTTP/1.1 upstream's Content-Length body that is small and already all in the input pipe (not consumed).</summary>
    private bool TryTakeWholeHttp1Body(out System.Buffers.ReadOnlySequence<byte> body)
    {
        body = default;
        if (_h1Upstream is not { } upstream || _h1ResponseFraming != BodyFraming.ContentLength
            || _response.ContentLength > MaxWholeBodyBytes || !SupportsWholeResponse || !upstream.Input.TryRead(out var read))
        {
            return false;
        }

        if (read.IsCanceled || read.Buffer.Length < _response.ContentLength)
        {
            upstream.Input.AdvanceTo(read.Buffer.Start);
            return false;
        }

        body = read.Buffer.Slice(0, _response.ContentLength);
        return true;
    }

    /// <summary>Whether <see cref="SendWholeResponseAsync"/> does something (checked before the upstream pipe is read).</summary>
    private protected virtual bool SupportsWholeResponse => false;

    /// <summary>Whether the upstream said the response has no body at all (HTTP/2 END_STREAM on its head; HTTP/1.1 length 0).</summary>
    private bool ResponseBodyIsEmpty()
    {
        if (_h2Upstream is { } stream)
        {
            if (!stream.ResponseBody.TryRead(out var read))
            {
                return false;
            }

            stream.ResponseBody.AdvanceTo(read.Buffer.Start);
            return read.IsCompleted && read.Buffer.IsEmpty && !read.IsCanceled && stream.ResponseTrailers is null;
        }

        return _response.ContentLength == 0 && !_response.Chunked;
    }

    private ValueTask<BodyResult> CopyResponseBodyAsync()
        => _h2Upstream is { } stream
            ? CopyHttp2ResponseBodyAsync(stream)
            : CopyHttp1ResponseBodyAsync(_h1Upstream!);

    private HttpTrailers? UpstreamTrailers() => _h2Upstream?.ResponseTrailers;

    /// <summary>
    /// Ends the attempt's upstream side: waits for (or stops) the request body pump, then returns
    /// the HTTP/1.1 connection to its pool when both messages ended cleanly, or discards it; an
    /// HTTP/2 stream is disposed (reset when unfinished). Returns how the request body went.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> EndUpstreamAsync(bool reusable)
    {
        var pump = _requestPump;
        _requestPump = default;
        BodyResult requestBody;
        if (_h2Upstream is { } stream)
        {
            _h2Upstream = null;
            if (!pump.IsCompleted)
            {
                stream.Reset(); // stops a pump waiting on flow control
            }

            requestBody = await StopPumpAsync(pump).ConfigureAwait(false);
            stream.Dispose();
            return requestBody;
        }

        if (_h1Upstream is { } connection)
        {
            _h1Upstream = null;
            if (!pump.IsCompleted)
            {
                connection.Abort();
            }

            requestBody = await StopPumpAsync(pump).ConfigureAwait(false);
            if (reusable && requestBody == BodyResult.Complete && _h1Reusable && !_upstreamAbandoned)
            {
                connection.Pool.Return(connection);
            }
            else
            {
                connection.Pool.Discard(connection);
            }

            return requestBody;
        }

        return await StopPumpAsync(pump).ConfigureAwait(false);
    }

    /// <summary>
    /// A pump still running is waiting on a client that keeps uploading (or on an upstream that
    /// stopped reading): it is stopped through the downstream's cancellation hook.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private async ValueTask<BodyResult> StopPumpAsync(ValueTask<BodyResult> pump)
    {
        if (pump.IsCompleted)
        {
            return await pump.ConfigureAwait(false);
        }

        CancelRequestBody();
        var result = await pump.ConfigureAwait(false);
        OnRequestBodyStopped(result);
        return result;
    }

    /// <summary>Stops a request-body copy in progress (its read returns canceled).</summary>
    private protected abstract void CancelRequestBody();

    /// <summary>After <see cref="CancelRequestBody"/>: a cancellation the copy did not consume must not linger.</summary>
    private protected virtual void OnRequestBodyStopped(BodyResult result)
    {
    }
}
