using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// A client that leaves while its request waits for an HTTP/1.1 upstream's answer: the upstream
/// request is aborted at once, as Envoy resets it, so its connection is not held for an answer
/// nobody reads.
/// </summary>
/// <remarks>
/// A cancellation registration per request (registered before the wait, disposed after it) took
/// ~260 instructions of every request: a spin lock, a node taken from the source's list and given
/// back. Here the request puts the connection it waits on in <see cref="_awaitedUpstream"/> and
/// takes it back when the answer's head is in, and the client's side (<see cref="WatchClient"/>:
/// one registration per client connection over HTTP/1.1, the stream's own abort signal over
/// HTTP/2) takes it to abort it. Whoever takes it first owns it. A watch that fires as the wait
/// ends (on another thread, over the Kestrel transport) may still be aborting the connection when
/// the request goes on: the request, finding the slot empty, marks it abandoned and never gives it
/// back to the pool, so no later request of someone else's can be cut by that abort. HTTP/2
/// upstream streams keep a registration per request: their objects are reused by their connection
/// once released, and a late reset would hit the next stream.
/// </remarks>
internal abstract partial class ProxyExchange
{
    private IAbortableUpstream? _awaitedUpstream; // the connection this request waits on; taken by the request or by the watch

    /// <summary>The client left while this request waited: its upstream connection is aborted and never reused.</summary>
    private protected bool _upstreamAbandoned;

    /// <summary>Makes sure <see cref="OnClientGone"/> runs when the client leaves (cheap when already so).</summary>
    private protected abstract void WatchClient();

    /// <summary>The client has left (a flag read: it creates nothing).</summary>
    private protected abstract bool ClientLeft { get; }

    /// <summary>The request waits on <paramref name="upstream"/> from now until <see cref="StopWatchingClient"/>.</summary>
    private protected void WatchClientFor(IAbortableUpstream upstream)
    {
        WatchClient();

        // A full fence between the store and the check: either this check sees the client gone, or
        // the watch (which marks the client gone before it runs) sees the connection here.
        Interlocked.Exchange(ref _awaitedUpstream, upstream);
        if (ClientLeft)
        {
            OnClientGone();
        }
    }

    /// <summary>The wait is over: false when the client left meanwhile, and the watch aborted (or is aborting) the connection.</summary>
    private protected bool StopWatchingClient()
    {
        if (Interlocked.Exchange(ref _awaitedUpstream, null) is not null)
        {
            return true;
        }

        _upstreamAbandoned = true;
        return false;
    }

    /// <summary>The client left: the connection a request waits on, if any, is aborted (any thread).</summary>
    private protected void OnClientGone() => Interlocked.Exchange(ref _awaitedUpstream, null)?.Abort();
}
