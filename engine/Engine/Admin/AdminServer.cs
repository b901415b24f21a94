using System.Net;
using Engine.Hosting;
using Engine.Telemetry;
using Engine.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Admin;

/// <summary>
/// The admin listener (<c>engine run --admin 127.0.0.1:15000</c>, Envoy's admin port): on the
/// same socket transport as the proxy, with its own accept loop. It stays up while the proxy
/// drains, so that <c>/ready</c> can say 503 until the process exits.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly IConnectionListenerFactory _listenerFactory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private IConnectionListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public AdminServer(Sidecar sidecar, EngineTelemetry telemetry, LineLoggerProvider? logging, string version, ILoggerFactory loggerFactory)
    {
        Endpoints = new AdminEndpoints(sidecar, telemetry, logging, version);
        _logger = loggerFactory.CreateLogger("engine.admin");

        // Default transport settings: admin traffic is a probe or a scrape now and then.
        _listenerFactory = SocketTransports.CreateListenerFactory(new TransportSettings(), loggerFactory);
    }

    public AdminEndpoints Endpoints { get; }

    public EndPoint? EndPoint => _listener?.EndPoint;

    public async Task<EndPoint> ListenAsync(EndPoint endpoint)
    {
        _listener = await _listenerFactory.BindAsync(endpoint, _stopping.Token).ConfigureAwait(false);
        Endpoints.AdminAddress = _listener.EndPoint.ToString();
        _acceptLoop = AcceptLoopAsync(_listener);
        return _listener.EndPoint;
    }

    private async Task AcceptLoopAsync(IConnectionListener listener)
    {
        try
        {
            while (await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false) is { } connection)
            {
                _ = RunAsync(connection);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            AdminLog.AcceptFailed(_logger, e);
        }
    }

    private async Task RunAsync(ConnectionContext connection)
    {
        try
        {
            await new AdminSession(Endpoints, connection).RunAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            AdminLog.RequestFailed(_logger, e);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.UnbindAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}
