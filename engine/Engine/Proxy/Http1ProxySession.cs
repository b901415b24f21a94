using System.Buffers;
using System.IO.Pipelines;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Proxy;

/// <summary>
/// One downstream HTTP/1.1 connection: parse a request head, route it, forward it, stream the
/// response back, and loop while the connection stays keep-alive (pipelined requests included:
/// whatever the client already sent waits in the pipe).
/// </summary>
/// <remarks>
/// This is the connection state machine, so it is long; it is split by concern into partial
/// files (.Forward: routing and attempts, .Exchange: one upstream exchange, .Replies: local
/// responses). Per-connection objects (heads, scratch) are allocated once and reset per request,
/// and per-request async methods use pooled builders, so a request allocates nothing in the
/// steady state. Exceptions are caught only here, at the connection loop.
/// </remarks>
internal sealed partial class Http1ProxySession
{
    private readonly ProxyServer _server;
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly HttpRequestHead _request = new();
    private readonly HttpResponseHead _response = new();
    private readonly byte[] _scratch = new byte[16 * 1024];
    private readonly ILogger _logger;
    private readonly ChunkedDecoder _requestChunks;
    private readonly ChunkedDecoder _responseChunks;

    // Per-request state, reset by BeginRequest.
    private ResponseFlags _flags;
    private bool _keepAlive;
    private int _status;
    private long _started;

    public Http1ProxySession(ProxyServer server, ConnectionContext connection)
    {
        _server = server;
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _logger = server.Logger;
        _requestChunks = new ChunkedDecoder(server.Options.Http1Limits);
        _responseChunks = new ChunkedDecoder(server.Options.Http1Limits);
    }

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                _request.Reset();
                var status = Http1RequestParser.TryParseRequest(buffer, _request, _server.Options.Http1Limits, out var consumed, out var error);

                if (status == Http1ParseStatus.Incomplete)
                {
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        // The client closed between requests (normal) or mid-head (nothing to answer).
                        break;
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (status == Http1ParseStatus.Error)
                {
                    _input.AdvanceTo(buffer.End);
                    await RejectAsync(error).ConfigureAwait(false);
                    break;
                }

                _input.AdvanceTo(consumed);
                if (!await HandleRequestAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // The client reset the connection: nothing to answer, nothing to log beyond a counter.
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionAbortedException or ObjectDisposedException)
        {
            // Shutdown or abort while reading: the connection is going away.
        }
        catch (Exception e)
        {
            ProxyLog.SessionFailed(_logger, e, _connection.RemoteEndPoint?.ToString() ?? "?");
        }
        finally
        {
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Handles one parsed request; returns whether the connection may carry another.</summary>
    private async ValueTask<bool> HandleRequestAsync()
    {
        _flags = ResponseFlags.None;
        _status = 0;
        _started = System.Diagnostics.Stopwatch.GetTimestamp();
        _keepAlive = _request.Version == HttpVersion.Http11
            ? (_request.Connection & ConnectionOptions.Close) == 0
            : (_request.Connection & ConnectionOptions.KeepAlive) != 0;

        if (!PathNormalizer.TryNormalize(_request))
        {
            await RejectAsync(Http1Error.InvalidPath).ConfigureAwait(false);
            return false;
        }

        var config = _server.Config;
        var port = RouteTable.PortOf(_request);
        var view = new RequestView(_request, port, _scratch);
        var match = config.Routes.Match(view);
        if (match.Outcome != RouteOutcome.Matched)
        {
            // No virtual host or no rule: Envoy's 404 NR (istio-semantics.md §6). The body, if any,
            // is never read, so the connection cannot carry another request.
            return await ReplyAndDrainAsync(LocalReplies.NoRoute).ConfigureAwait(false);
        }

        return await ForwardAsync(match.Rule!, port).ConfigureAwait(false);
    }

    /// <summary>Answers a local reply for a request whose body was not consumed.</summary>
    private async ValueTask<bool> ReplyAndDrainAsync(LocalReply reply)
    {
        if (_request.HasBody)
        {
            _keepAlive = false;
        }

        await WriteLocalReplyAsync(reply).ConfigureAwait(false);
        return _keepAlive;
    }

    private async ValueTask RejectAsync(Http1Error error)
    {
        _keepAlive = false;
        ProxyLog.BadRequest(_logger, _connection.RemoteEndPoint?.ToString() ?? "?", error.ToString());
        var reply = new LocalReply(Http1ErrorStatus.StatusFor(error), System.Text.Encoding.ASCII.GetString(Http1ErrorStatus.Describe(error)), ResponseFlags.DownstreamProtocolError);
        await WriteLocalReplyAsync(reply).ConfigureAwait(false);
    }
}
