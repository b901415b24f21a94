using Engine.Async;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// Idle <see cref="Http2ProxyStream"/> objects left by HTTP/2 connections that closed, for the
/// next connections to take: a client that opens short-lived h2c connections then reuses the
/// same few dozen stream objects instead of leaving a set of them (heads, buffers, timers)
/// to the GC with every connection.
/// </summary>
/// <remarks>
/// Touched once per connection end and once per stream object a connection creates (its own
/// idle stack serves its streams in between), so one lock is no contention. Bounded: what a
/// burst of connections made beyond <see cref="Capacity"/> goes to the GC.
/// </remarks>
internal sealed class Http2ProxyStreamPool
{
    /// <summary>A few busy connections' worth (a connection keeps up to 16 idle).</summary>
    public const int Capacity = 128;

    private readonly Stack<Http2ProxyStream> _idle = new(Capacity);
    private readonly ShortLock _lock = new();

    public int Count
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>An idle stream object moved to <paramref name="connection"/>, or null when none is left.</summary>
    public Http2ProxyStream? Rent(ConnectionContext connection, Interception.InterceptedConnection? intercepted)
    {
        Http2ProxyStream? stream;
        using (_lock.EnterScope())
        {
            if (!_idle.TryPop(out stream))
            {
                return null;
            }
        }

        stream.MoveTo(connection, intercepted);
        return stream;
    }

    /// <summary>Takes the idle stream objects of a connection that has ended.</summary>
    public void ReturnAll(Stack<Http2ProxyStream> idle)
    {
        using (_lock.EnterScope())
        {
            while (_idle.Count < Capacity && idle.TryPop(out var stream))
            {
                _idle.Push(stream);
            }
        }

        idle.Clear();
    }
}
