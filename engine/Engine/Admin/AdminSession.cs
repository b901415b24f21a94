using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;
using Microsoft.AspNetCore.Connections;

namespace Engine.Admin;

/// <summary>
/// One admin connection: our own HTTP/1.1 codec (the proxy's parser and head writer) rather
/// than ASP.NET Core's stack, which would add megabytes to the binary and time to start-up for
/// seven small endpoints. Keep-alive, no pipelining concerns beyond what the parser handles;
/// request bodies are not used and are skipped (small) or refused (large, chunked).
/// </summary>
internal sealed class AdminSession
{
    /// <summary>Admin requests carry no meaningful body; anything larger is refused and the connection closed.</summary>
    private const long MaxBody = 64 * 1024;

    private readonly AdminEndpoints _endpoints;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly HttpRequestHead _request = new();

    public AdminSession(AdminEndpoints endpoints, ConnectionContext connection)
    {
        _endpoints = endpoints;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
    }

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var read = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                var status = Http1RequestParser.TryParseRequest(buffer, _request, Http1Limits.Default, out var consumed, out var error);
                if (status == Http1ParseStatus.Incomplete)
                {
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        return;
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (status == Http1ParseStatus.Error)
                {
                    _input.AdvanceTo(buffer.End);
                    Write(AdminResponse.Text(Http1ErrorStatus.StatusFor(error), Encoding.ASCII.GetString(Http1ErrorStatus.Describe(error)) + "\n"), headOnly: false, keepAlive: false);
                    await _output.FlushAsync().ConfigureAwait(false);
                    return;
                }

                _input.AdvanceTo(consumed);
                var keepAlive = Http1Persistence.IsPersistent(_request);
                AdminResponse response;
                if (_request.Chunked || _request.ContentLength > MaxBody)
                {
                    response = AdminResponse.Text(413, "admin requests take no body\n");
                    keepAlive = false;
                }
                else
                {
                    if (_request.ContentLength > 0 && !await SkipBodyAsync(_request.ContentLength).ConfigureAwait(false))
                    {
                        return;
                    }

                    response = _endpoints.Handle(AdminRequest.From(_request));
                }

                Write(response, headOnly: _request.Method == HttpMethod.Head, keepAlive);
                if ((await _output.FlushAsync().ConfigureAwait(false)).IsCompleted || !keepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            // The client went away.
        }
        finally
        {
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> SkipBodyAsync(long length)
    {
        while (length > 0)
        {
            var read = await _input.ReadAsync().ConfigureAwait(false);
            var take = Math.Min(length, read.Buffer.Length);
            _input.AdvanceTo(read.Buffer.GetPosition(take));
            length -= take;
            if (length > 0 && (read.IsCompleted || read.IsCanceled))
            {
                return false;
            }
        }

        return true;
    }

    private void Write(AdminResponse response, bool headOnly, bool keepAlive)
    {
        Http1HeadWriter.WriteStatusLine(_output, response.Status);
        Http1HeadWriter.WriteHeader(_output, "content-type"u8, Encoding.ASCII.GetBytes(response.ContentType));
        Http1HeadWriter.WriteHeader(_output, "cache-control"u8, "no-cache, max-age=0"u8);
        Http1HeadWriter.WriteContentLength(_output, response.Body.Length);
        if (!keepAlive)
        {
            Http1HeadWriter.WriteHeader(_output, "connection"u8, "close"u8);
        }

        Http1HeadWriter.WriteEndOfHead(_output);
        if (!headOnly)
        {
            _output.Write(response.Body);
        }
    }
}
