using Engine.Async;
using Engine.Http2.Server;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// A downstream HTTP/2 connection as the proxy runs it: each stream is proxied by an
/// <see cref="Http2ProxyStream"/> taken from a small per-connection pool (its buffers and
/// timers are reused stream after stream, as the HTTP/1.1 session reuses its own), refilled
/// from and emptied into the server's <see cref="Http2ProxyStreamPool"/> across connections;
/// the drain sends GOAWAY and lets the streams in flight finish.
/// </summary>
internal sealed class Http2ProxyConnection : IHttp2StreamHandler, IDrainableSession
{
    private readonly ProxyServer _server;
    private readonly ConnectionContext _connection;
    private readonly Interception.InterceptedConnection? _intercepted;
    private readonly Stack<Http2ProxyStream> _idle = new();
    private readonly ShortLock _lock = new();
    private Http2ServerConnection? _http2;

    /// <param name="intercepted">Set when a transparent listener captured the connection: routing knows the original destination.</param>
    public Http2ProxyConnection(ProxyServer server, ConnectionContext connection, Interception.InterceptedConnection? intercepted = null)
    {
        _server = server;
        _connection = connection;
        _intercepted = intercepted;
    }

    /// <summary>Runs the connection until it closes (the client's preface is still in the input pipe).</summary>
    public async Task RunAsync()
    {
        _http2 = new Http2ServerConnection(_connection, this, _server.Options.Http2);
        _server.Attach(_connection, this);
        if (_server.Draining)
        {
            OnDrainStarted();
        }

        try
        {
            await _http2.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            // Every stream has ended (the connection runs until they have): what is idle serves
            // the next connections.
            using (_lock.EnterScope())
            {
                _server.Http2Streams.ReturnAll(_idle);
            }
        }
    }

    /// <summary>
    /// Not an async method: the exchange hands itself back (<see cref="Return"/>) as its last step,
    /// so no second state machine waits on it only to do that (a box, its copy and a completion hop
    /// on every request).
    /// </summary>
    public ValueTask HandleAsync(Http2ServerStream stream)
    {
        Http2ProxyStream? exchange;
        using (_lock.EnterScope())
        {
            _idle.TryPop(out exchange);
        }

        exchange ??= _server.Http2Streams.Rent(_connection, _intercepted) ?? new Http2ProxyStream(_server, _connection, _intercepted);
        return exchange.RunAsync(stream, this);
    }

    /// <summary>An exchange whose stream has ended, for the connection's next stream.</summary>
    internal void Return(Http2ProxyStream exchange)
    {
        using (_lock.EnterScope())
        {
            if (_idle.Count < 16)
            {
                _idle.Push(exchange);
            }
        }
    }

    public void OnDrainStarted() => _ = _http2?.DrainAsync(_server.Stopping);

    /// <summary>HTTP/2 connections are closed by their GOAWAY once their streams finish, not here.</summary>
    public bool CloseIfIdle(long idleSinceTimestamp) => false;
}
