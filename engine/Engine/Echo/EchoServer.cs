using System.Net;
using Engine.Http2;
using Engine.Protocols.Http2;
using Engine.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Echo;

/// <summary>
/// <c>engine echo</c>: a built-in upstream for demos, tests and load tests, on the same transport
/// and codecs as the proxy (so it is fast enough to be a load-test target itself). Every request
/// gets 200 with <c>x-served-by: NAME</c> and a small JSON description of what arrived; request
/// headers change the answer (<see cref="EchoSession"/>).
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly IConnectionListenerFactory _listenerFactory;
    private readonly List<IConnectionListener> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _requests;
    private long _connections;

    public EchoServer(string name, ILoggerFactory loggerFactory, TransportSettings? transport = null, TimeProvider? time = null)
    {
        Name = name;
        NameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        Time = time ?? TimeProvider.System;
        Logger = loggerFactory.CreateLogger("engine.echo");
        _listenerFactory = SocketTransports.CreateListenerFactory(transport ?? new TransportSettings(), loggerFactory);
    }

    public string Name { get; }

    public byte[] NameBytes { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>Requests answered so far (tests use it to see where traffic went).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Connections accepted so far (tests count keep-alive reuse with it).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public CancellationToken Stopping => _stopping.Token;

    public async Task<EndPoint> ListenAsync(EndPoint endpoint)
    {
        var listener = await _listenerFactory.BindAsync(endpoint, _stopping.Token).ConfigureAwait(false);
        _listeners.Add(listener);
        _acceptLoops.Add(AcceptLoopAsync(listener));
        return listener.EndPoint;
    }

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    private async Task AcceptLoopAsync(IConnectionListener listener)
    {
        try
        {
            while (await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false) is { } connection)
            {
                Interlocked.Increment(ref _connections);
                _ = RunAsync(connection);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync(ConnectionContext connection)
    {
        try
        {
            // h2c prior knowledge and HTTP/1.1 share the port: the first bytes tell them apart.
            if (await Http2ProtocolSniffer.SniffAsync(connection.Transport.Input).ConfigureAwait(false) == ProtocolSniffResult.Http2)
            {
                await Http2EchoSession.RunAsync(this, connection).ConfigureAwait(false);
            }
            else
            {
                await new EchoSession(this, connection).RunAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            await listener.UnbindAsync().ConfigureAwait(false);
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
