using System.Diagnostics;
using System.IO.Pipelines;

namespace Engine.Proxy;

/// <summary>
/// How a drain closes an idle keep-alive connection without losing a request that races it.
/// </summary>
/// <remarks>
/// <para>
/// Between requests the session is parked in a read of the client pipe. The drain wakes it with
/// <see cref="PipeReader.CancelPendingRead"/>; woken with nothing buffered, the session ends and
/// the connection closes. Two races are handled here:
/// </para>
/// <list type="bullet">
/// <item>The request arrives as the drain wakes the session: the read carries bytes, so the
/// request is served (its response says <c>connection: close</c>) instead of being dropped.</item>
/// <item>The read completed just before the cancel was issued: the cancel is then pending for the
/// <em>next</em> read of the pipe, which could be a request-body read mid-exchange. It is taken
/// here at once (<see cref="PipeReader.TryRead"/> observes a pending cancel), so it can only ever
/// land on the read that parked.</item>
/// </list>
/// <para>
/// Only connections idle for a while are closed (ProxyServer.Drain.cs): an HTTP/1.1 client may
/// always be writing its next request into a connection at the moment it closes, and a client
/// that is actively sending gets <c>connection: close</c> on its next response anyway.
/// </para>
/// </remarks>
internal sealed partial class Http1ProxySession : IDrainableSession
{
    private readonly Lock _parkLock = new();
    private bool _parked;
    private long _parkedSince;
    private bool _wokenByDrain;

    public void OnDrainStarted()
    {
        // Nothing to send: every response from now on carries connection: close (see _server.Draining).
    }

    public bool CloseIfIdle(long idleSinceTimestamp)
    {
        lock (_parkLock)
        {
            if (!Volatile.Read(ref _parked) || _wokenByDrain || _parkedSince > idleSinceTimestamp)
            {
                return false;
            }

            _wokenByDrain = true;
            _input.CancelPendingRead();
            return true;
        }
    }

    /// <summary>Called before the read that waits for the next request head (nothing of it buffered yet).</summary>
    private void Park()
    {
        // No lock: the time is published before the flag (release), and the drain reads the flag
        // first (under its lock), so it never pairs a fresh flag with a stale time. Unpark, which
        // the session passes before it can park again, takes the lock.
        _parkedSince = Stopwatch.GetTimestamp();
        Volatile.Write(ref _parked, true);
    }

    /// <summary>
    /// Called with the result of that read. Returns it canceled and empty when the drain closed
    /// an idle connection; otherwise a result the request loop can use as if nothing happened.
    /// </summary>
    private ReadResult Unpark(ReadResult read)
    {
        bool woken;
        lock (_parkLock)
        {
            _parked = false;
            woken = _wokenByDrain;
            _wokenByDrain = false;
        }

        if (!woken)
        {
            return read;
        }

        if (!read.IsCanceled)
        {
            // The cancel came after this read completed and is pending: consume nothing, take it now.
            _input.AdvanceTo(read.Buffer.Start);
            _input.TryRead(out read);
        }

        return read.Buffer.IsEmpty ? read : new ReadResult(read.Buffer, isCanceled: false, read.IsCompleted);
    }
}
