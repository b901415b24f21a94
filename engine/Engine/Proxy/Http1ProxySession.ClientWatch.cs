namespace Engine.Proxy;

/// <summary>The client watch of an HTTP/1.1 connection (ProxyExchange.ClientWatch.cs): one registration for the connection's life.</summary>
internal sealed partial class Http1ProxySession
{
    private CancellationTokenRegistration _clientWatch;
    private bool _clientWatched;

    private protected override bool ClientLeft => _connection.ConnectionClosed.IsCancellationRequested;

    private protected override void WatchClient()
    {
        if (!_clientWatched)
        {
            _clientWatched = true;
            _clientWatch = _connection.ConnectionClosed.UnsafeRegister(static state => ((Http1ProxySession)state!).OnClientGone(), this);
        }
    }

    /// <summary>At the connection's end: after this no callback runs (a running one is waited for).</summary>
    private void EndClientWatch()
    {
        if (_clientWatched)
        {
            _clientWatch.Dispose();
        }
    }
}
