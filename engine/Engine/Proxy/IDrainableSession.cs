namespace Engine.Proxy;

/// <summary>
/// A downstream connection as the drain sees it (ProxyServer.Drain.cs). HTTP/1.1 sessions close
/// when idle and put <c>connection: close</c> on their next response; the HTTP/2 session will
/// send GOAWAY from <see cref="OnDrainStarted"/>.
/// </summary>
internal interface IDrainableSession
{
    /// <summary>The drain began (called once, after the listeners closed).</summary>
    void OnDrainStarted();

    /// <summary>
    /// Closes the connection if it is between requests and has been since before
    /// <paramref name="idleSinceTimestamp"/> (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp). Returns true when it did.
    /// </summary>
    bool CloseIfIdle(long idleSinceTimestamp);
}
