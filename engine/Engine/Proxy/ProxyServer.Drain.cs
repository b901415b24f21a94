using System.Diagnostics;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// Graceful shutdown (SIGTERM): stop accepting, let in-flight requests finish, close idle
/// connections, and cut whatever is left when the drain timeout expires.
/// </summary>
/// <remarks>
/// <para>The order matters:</para>
/// <list type="number">
/// <item>The listeners close first, so a client that reconnects after a
/// <c>connection: close</c> is refused (never accepted) rather than parked in a backlog that is
/// about to be reset.</item>
/// <item>Then <see cref="Draining"/> turns on: <c>/ready</c> answers 503 and every response
/// (proxied or local) carries <c>connection: close</c>, so each busy keep-alive connection ends
/// after its current request. Sessions get <see cref="IDrainableSession.OnDrainStarted"/>
/// (HTTP/2 will send GOAWAY there).</item>
/// <item>Connections idle for <see cref="DrainIdleGrace"/> are closed. A connection that just
/// went idle is left a moment: its client is most likely writing the next request, which will
/// then be answered with <c>connection: close</c>; closing it instead would lose that request
/// on the wire (the unavoidable HTTP/1.1 keep-alive race, RFC 9112 §9.6).</item>
/// <item>The drain ends when no connection is left, or at the timeout, when the rest are cut
/// (transparent L4 passthrough flows are given the drain time too, then end with <see cref="Stopping"/>).</item>
/// </list>
/// </remarks>
internal sealed partial class ProxyServer
{
    /// <summary>How long a connection must have been idle before the drain closes it.</summary>
    public static readonly TimeSpan DrainIdleGrace = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan DrainTick = TimeSpan.FromMilliseconds(50);

    private int _listenersStopped;

    /// <summary>Drains the proxy (see the type's remarks). Safe to call once; later calls return at once.</summary>
    public async Task<DrainResult> DrainAsync(TimeSpan timeout, CancellationToken cancellation = default)
    {
        var started = Stopwatch.GetTimestamp();
        await StopListeningAsync().ConfigureAwait(false);
        _draining = true;
        foreach (var session in _connections.Values)
        {
            session?.OnDrainStarted();
        }

        var grace = DrainIdleGrace < timeout ? DrainIdleGrace : timeout;
        var graceTicks = (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (ActiveConnections > 0 && !cancellation.IsCancellationRequested)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var idleBefore = Stopwatch.GetTimestamp() - graceTicks;
            foreach (var session in _connections.Values)
            {
                session?.CloseIfIdle(idleBefore);
            }

            try
            {
                await Task.Delay(left < DrainTick ? left : DrainTick, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        // Timeout (or a second signal): whatever is still open is cut, L4 passthrough flows
        // (which follow Stopping) included.
        await _stopping.CancelAsync().ConfigureAwait(false);
        var cut = 0;
        foreach (var connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("drain timeout"));
            cut++;
        }

        return new DrainResult(Stopwatch.GetElapsedTime(started), cut);
    }

    /// <summary>Closes every listener (new connections are refused from now on) and ends the accept loops.</summary>
    private async Task StopListeningAsync()
    {
        if (Interlocked.Exchange(ref _listenersStopped, 1) == 1)
        {
            return;
        }

        // Unbinding ends the accept loops (AcceptAsync returns null). Stopping is not cancelled
        // here: L4 passthrough flows follow it, and they get the drain time too.
        foreach (var listener in _listeners)
        {
            await listener.UnbindAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>How a drain ended: how long it took and how many connections had to be cut at the timeout.</summary>
internal readonly record struct DrainResult(TimeSpan Elapsed, int ConnectionsCut);
