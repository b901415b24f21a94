using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Engine.Http2;
using Engine.Http2.Server;
using Engine.Transport;
using Microsoft.AspNetCore.Connections;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>
/// Our downstream HTTP/2 connection on a real loopback listener (the proxy's transport), with a
/// handler given by the test, and every connection kept for the test to inspect.
/// </summary>
internal sealed class H2TestServer : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly Task _acceptLoop;
    private readonly Func<Http2ServerStream, ValueTask> _handler;
    private readonly Http2SessionOptions _options;
    private readonly ConcurrentQueue<(Http2ServerConnection Connection, Task Run)> _connections = new();

    private H2TestServer(IConnectionListener listener, Func<Http2ServerStream, ValueTask> handler, Http2SessionOptions options)
    {
        _listener = listener;
        _handler = handler;
        _options = options;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.EndPoint;

    public IReadOnlyList<Http2ServerConnection> Connections => _connections.Select(c => c.Connection).ToArray();

    public static async Task<H2TestServer> StartAsync(Func<Http2ServerStream, ValueTask> handler, Http2SessionOptions? options = null)
    {
        var factory = SocketTransports.CreateListenerFactory(new TransportSettings());
        var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return new H2TestServer(listener, handler, options ?? Http2SessionOptions.Default);
    }

    /// <summary>A handler that answers 200 with "ok" (and reads the request body to its end).</summary>
    public static async ValueTask OkAsync(Http2ServerStream stream)
    {
        while (true)
        {
            var read = await stream.RequestBody.ReadAsync();
            stream.RequestBody.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }
        }

        var head = stream.ResponseHead;
        head.Reset();
        head.StatusCode = 200;
        head.AddHeader("content-type"u8, "text/plain"u8);
        await stream.WriteResponseHeadAsync(head);
        stream.ResponseBody.Write("ok"u8);
        await stream.ResponseBody.CompleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync();
        foreach (var (connection, _) in _connections)
        {
            connection.Abort(Engine.Protocols.Http2.Http2Error.None);
        }

        await _acceptLoop;
        await Task.WhenAll(_connections.Select(c => c.Run)).WaitAsync(TimeSpan.FromSeconds(30));
        await _listener.DisposeAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (await _listener.AcceptAsync() is { } context)
        {
            var connection = new Http2ServerConnection(context, new DelegateHandler(_handler), _options);
            _connections.Enqueue((connection, RunAsync(connection, context)));
        }
    }

    private static async Task RunAsync(Http2ServerConnection connection, ConnectionContext context)
    {
        await Task.Yield();
        try
        {
            await Engine.Http2.Http2ProtocolSniffer.SniffAsync(context.Transport.Input);
            await connection.RunAsync();
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    private sealed class DelegateHandler(Func<Http2ServerStream, ValueTask> handler) : IHttp2StreamHandler
    {
        public ValueTask HandleAsync(Http2ServerStream stream) => handler(stream);
    }
}
