using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// A client that leaves while its request waits for the upstream's answer: the upstream request is
/// aborted at once, as Envoy resets it, so its connection is not held for an answer nobody reads.
/// </summary>
/// <remarks>
/// The watch is one registration on the client connection's <c>ConnectionClosed</c> for the
/// connection's life, not one per request: registering and disposing a callback on a
/// <see cref="CancellationToken"/> took ~260 instructions of every request (a spin lock, a node
/// taken from and given back to the source's list). A request now puts the upstream connection it
/// waits on in <see cref="_awaitedUpstream"/> and takes it back when the answer's head is in; the
/// watch's callback takes it too, to abort it. Whoever takes it first owns it: a callback that
/// fires as the wait ends (on another thread, over the Kestrel transport) cannot abort the
/// connection after the request gave it back to the pool for someone else's request, because the
/// request, finding the field empty, knows the callback has it and never reuses it.
/// </remarks>
internal sealed partial class Http1ProxySession
{
    private UpstreamConnection? _awaitedUpstream; // the connection this request waits on; taken by the request or by the watch
    private CancellationTokenRegistration _clientWatch;
    private bool _clientWatched;
    private bool _upstreamAbandoned; // the client left while this request waited: its upstream connection is aborted, never reused

    /// <summary>The request waits on <paramref name="upstream"/> from now until <see cref="StopWatchingClient"/>.</summary>
    private void WatchClientFor(UpstreamConnection upstream)
    {
        var closed = _connection.ConnectionClosed;
        if (!_clientWatched)
        {
            _clientWatched = true;
            _clientWatch = closed.UnsafeRegister(static state => ((Http1ProxySession)state!).OnClientGone(), this);
        }

        // A full fence between the store and the check: either this check sees the client gone, or
        // the watch (which marks the token cancelled before it runs) sees the connection here.
        Interlocked.Exchange(ref _awaitedUpstream, upstream);
        if (closed.IsCancellationRequested)
        {
            OnClientGone();
        }
    }

    /// <summary>The wait is over: false when the client left meanwhile, and the watch aborted (or is aborting) the connection.</summary>
    private bool StopWatchingClient()
    {
        if (Interlocked.Exchange(ref _awaitedUpstream, null) is not null)
        {
            return true;
        }

        _upstreamAbandoned = true;
        return false;
    }

    private void OnClientGone() => Interlocked.Exchange(ref _awaitedUpstream, null)?.Abort();

    /// <summary>At the connection's end: after this no callback runs (a running one is waited for).</summary>
    private void EndClientWatch()
    {
        if (_clientWatched)
        {
            _clientWatch.Dispose();
        }
    }
}
