using System.Runtime.CompilerServices;
using Engine.Routing;
using Engine.Upstream;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    /// <summary>
    /// Istio's default retry policy when a route has none (istio-semantics.md §3.10): two retries,
    /// on connect failure among other causes, each to a different host when one exists, with
    /// Envoy's fully jittered back-off (25 ms base).
    /// </summary>
    private const int DefaultRetries = 2;
    private const int BackoffBaseMs = 25;
    private const int BackoffMaxMs = 250;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(RouteRule rule, int port)
    {
        var destination = rule.Action.Pick(_server.Random);
        var cluster = destination?.Resolve(port);
        if (cluster is null)
        {
            return await ReplyAndDrainAsync(LocalReplies.For(ForwardError.ClusterNotFound)).ConfigureAwait(false);
        }

        var tried = new TriedEndpoints();
        for (var attempt = 1; ; attempt++)
        {
            var endpoint = attempt == 1 ? cluster.Pick() : cluster.PickAvoiding(tried, _server.Random);
            if (endpoint is null)
            {
                return await ReplyAndDrainAsync(LocalReplies.For(ForwardError.NoHealthyUpstream)).ConfigureAwait(false);
            }

            var error = await ExchangeAsync(endpoint, attempt).ConfigureAwait(false);
            switch (error)
            {
                case ForwardError.None:
                    return _keepAlive;

                case ForwardError.ConnectFailed when attempt <= DefaultRetries:
                    // Nothing reached the upstream and nothing was read from the client: safe to try another host.
                    tried[attempt - 1] = endpoint;
                    await Task.Delay(Backoff(attempt)).ConfigureAwait(false);
                    continue;

                case ForwardError.ConnectFailed:
                    _flags |= ResponseFlags.UpstreamRetryLimitExceeded;
                    return await ReplyAndDrainAsync(LocalReplies.For(error)).ConfigureAwait(false);

                case ForwardError.DownstreamGone:
                    _flags |= ResponseFlags.DownstreamConnectionTermination;
                    return false;

                case ForwardError.UpstreamResetAfterHeaders:
                    // Part of the response is already with the client: the only honest signal left is
                    // to abort the connection, never to end the message as if it were complete.
                    _flags |= ResponseFlags.UpstreamRemoteReset;
                    _connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("upstream reset after response headers"));
                    return false;

                default:
                    // The request body may be partly consumed: the connection cannot be trusted to carry another.
                    _keepAlive = false;
                    await WriteLocalReplyAsync(LocalReplies.For(error)).ConfigureAwait(false);
                    return false;
            }
        }
    }

    /// <summary>The endpoints a request already tried (at most one per attempt), without a heap allocation.</summary>
    [InlineArray(DefaultRetries + 1)]
    private struct TriedEndpoints
    {
        private Endpoint? _first;
    }

    /// <summary>Envoy's back-off: uniform in [0, (2^n − 1) × base), capped at 10 × base.</summary>
    private TimeSpan Backoff(int retry)
    {
        var ceiling = Math.Min(((1 << Math.Min(retry, 10)) - 1) * BackoffBaseMs, BackoffMaxMs);
        return TimeSpan.FromMilliseconds(_server.Random.Next(Math.Max(ceiling, 1)));
    }
}
