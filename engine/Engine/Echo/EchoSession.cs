using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text.Json;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;
using Microsoft.AspNetCore.Connections;

namespace Engine.Echo;

/// <summary>
/// One connection to <c>engine echo</c>. Request headers steer the answer:
/// <c>x-echo-status: CODE</c> (status), <c>x-echo-delay-ms: N</c> (answer after N ms),
/// <c>x-echo-bytes: N</c> (a body of exactly N bytes instead of the JSON description),
/// <c>x-echo-body: true</c> (stream the request body back as the response body),
/// <c>x-echo-set-NAME: VALUE</c> (add the response header NAME: VALUE).
/// The JSON names the server, method, path, the request headers (names lower-cased), and the
/// request body's length and FNV-1a hash, so tests can check what went through a proxy.
/// </summary>
internal sealed class EchoSession
{
    private static readonly byte[] Pattern = CreatePattern();

    private readonly EchoServer _server;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly HttpRequestHead _request = new();
    private readonly Http1HeadMemo<HttpRequestHead> _repeatedHeads = new(); // a load generator's repeats are copied, not parsed
    private readonly ChunkedDecoder _chunks = new();
    private readonly ArrayBufferWriter<byte> _json = new(2048);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly byte[] _nameBuffer = new byte[256];

    public EchoSession(EchoServer server, ConnectionContext connection)
    {
        _server = server;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _jsonWriter = new Utf8JsonWriter(_json);
    }

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var read = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                var status = Http1RequestParser.TryParseRequest(buffer, _request, Http1Limits.Default, _repeatedHeads, out var consumed, out var error);
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
                    await WriteErrorAsync(Http1ErrorStatus.StatusFor(error)).ConfigureAwait(false);
                    return;
                }

                _input.AdvanceTo(consumed);
                if (!await HandleAsync().ConfigureAwait(false))
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

    private async ValueTask<bool> HandleAsync()
    {
        _server.CountRequest();
        var keepAlive = Http1Persistence.IsPersistent(_request);

        var statusCode = HeaderNumber("x-echo-status"u8, 200);
        var delayMs = HeaderNumber("x-echo-delay-ms"u8, 0);
        var bytes = HeaderNumber("x-echo-bytes"u8, -1);
        var echoBody = _request.IndexOf("x-echo-body"u8) >= 0;
        if (statusCode is < 200 or > 999)
        {
            statusCode = 200;
        }

        if (echoBody && _request.HasBody)
        {
            return await EchoBodyAsync(statusCode, keepAlive).ConfigureAwait(false);
        }

        if (echoBody)
        {
            // An empty body echoed is an empty body, not the JSON description.
            WriteHead(statusCode, "application/octet-stream"u8, 0, keepAlive, chunked: false);
            return await FlushAsync().ConfigureAwait(false) && keepAlive;
        }

        var (bodyLength, bodyHash, complete) = await ConsumeBodyAsync().ConfigureAwait(false);
        if (!complete)
        {
            return false;
        }

        if (delayMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delayMs), _server.Time, _server.Stopping).ConfigureAwait(false);
        }

        var headOnly = _request.Method == HttpMethod.Head || statusCode is 204 or 304;
        if (bytes >= 0)
        {
            WriteHead(statusCode, "application/octet-stream"u8, bytes, keepAlive, chunked: false);
            if (!headOnly)
            {
                return await WritePatternAsync(bytes).ConfigureAwait(false) && keepAlive;
            }

            return await FlushAsync().ConfigureAwait(false) && keepAlive;
        }

        WriteJson(bodyLength, bodyHash);
        WriteHead(statusCode, "application/json"u8, _json.WrittenCount, keepAlive, chunked: false);
        if (!headOnly)
        {
            _output.Write(_json.WrittenSpan);
        }

        return await FlushAsync().ConfigureAwait(false) && keepAlive;
    }

    /// <summary>Reads the request body to its end, counting and hashing it.</summary>
    private async ValueTask<(long Length, ulong Hash, bool Complete)> ConsumeBodyAsync()
    {
        var hash = Fnv1a.Initial;
        if (!_request.HasBody)
        {
            return (0, hash, true);
        }

        if (_request.Chunked)
        {
            _chunks.Reset();
        }

        var remaining = _request.ContentLength;
        while (true)
        {
            var read = await _input.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            if (_request.Chunked)
            {
                while (true)
                {
                    var status = _chunks.Decode(buffer, out var data, out var consumed, out _);
                    if (status == ChunkedDecodeStatus.Data)
                    {
                        hash = Fnv1a.Append(hash, data);
                        buffer = buffer.Slice(consumed);
                        continue;
                    }

                    if (status == ChunkedDecodeStatus.Complete)
                    {
                        _input.AdvanceTo(consumed);
                        return (_chunks.BodyBytes, hash, true);
                    }

                    if (status == ChunkedDecodeStatus.Error)
                    {
                        _input.AdvanceTo(buffer.End);
                        await WriteErrorAsync(400).ConfigureAwait(false);
                        return (0, hash, false);
                    }

                    _input.AdvanceTo(consumed, buffer.End);
                    break;
                }
            }
            else
            {
                var take = buffer.Length <= remaining ? buffer : buffer.Slice(0, remaining);
                hash = Fnv1a.Append(hash, take);
                remaining -= take.Length;
                _input.AdvanceTo(take.End);
                if (remaining == 0)
                {
                    return (_request.ContentLength, hash, true);
                }
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return (0, hash, false);
            }
        }
    }

    /// <summary>Streams the request body back as a chunked response, as it arrives.</summary>
    private async ValueTask<bool> EchoBodyAsync(int statusCode, bool keepAlive)
    {
        var chunked = _request.Version == HttpVersion.Http11;
        if (!chunked)
        {
            keepAlive = false;
        }

        WriteHead(statusCode, "application/octet-stream"u8, _request.Chunked || chunked ? -1 : _request.ContentLength, keepAlive, chunked);
        var result = _request.Chunked
            ? await BodyCopier.CopyChunkedAsync(_input, _output, _chunks, chunked).ConfigureAwait(false)
            : await BodyCopier.CopyLengthAsync(_input, _output, _request.ContentLength, encodeChunked: chunked).ConfigureAwait(false);
        return result == BodyResult.Complete && keepAlive;
    }

    private async ValueTask<bool> WritePatternAsync(long length)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var n = (int)Math.Min(remaining, Pattern.Length);
            _output.Write(Pattern.AsSpan(0, n));
            remaining -= n;
            if (!await FlushAsync().ConfigureAwait(false))
            {
                return false;
            }
        }

        return await FlushAsync().ConfigureAwait(false);
    }

    private void WriteHead(int status, ReadOnlySpan<byte> contentType, long contentLength, bool keepAlive, bool chunked)
    {
        var w = new PipeHeadWriter(_output);
        w.Write("HTTP/1.1 "u8);
        w.WriteDecimal(status);
        w.WriteByte((byte)' ');
        w.Write(ReasonPhrases.For(status));
        w.Write("\r\nx-served-by: "u8);
        w.Write(_server.NameBytes);
        w.Write("\r\ncontent-type: "u8);
        w.Write(contentType);
        w.Write("\r\n"u8);
        if (chunked)
        {
            w.Write("transfer-encoding: chunked\r\n"u8);
        }
        else if (contentLength >= 0 && status != 204)
        {
            w.WriteHeader("content-length"u8, contentLength);
        }

        if (!keepAlive)
        {
            w.Write("connection: close\r\n"u8);
        }

        // x-echo-set-NAME: VALUE asks for a response header NAME: VALUE (to test response header rules).
        var headers = _request.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            var name = _request.Span(headers[i].Name);
            if (name.Length > EchoSetPrefix.Length && System.Text.Ascii.EqualsIgnoreCase(name[..EchoSetPrefix.Length], EchoSetPrefix))
            {
                w.WriteHeader(name[EchoSetPrefix.Length..], _request.Span(headers[i].Value));
            }
        }

        w.Write("\r\n"u8);
        w.Commit();
    }

    private static ReadOnlySpan<byte> EchoSetPrefix => "x-echo-set-"u8;

    private void WriteJson(long bodyLength, ulong bodyHash)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        var w = _jsonWriter;
        w.WriteStartObject();
        w.WriteString("name"u8, _server.NameBytes);
        w.WriteString("method"u8, _request.Span(_request.MethodBytes));
        w.WriteString("path"u8, _request.Span(_request.Path));
        w.WriteString("authority"u8, _request.Span(_request.Authority));
        w.WriteStartObject("headers"u8);
        var headers = _request.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            var name = _request.Span(headers[i].Name);
            var lower = name.Length <= _nameBuffer.Length ? _nameBuffer.AsSpan(0, name.Length) : new byte[name.Length];
            System.Text.Ascii.ToLower(name, lower, out _);
            w.WriteString(lower, _request.Span(headers[i].Value));
        }

        w.WriteEndObject();
        w.WriteNumber("bodyBytes"u8, bodyLength);
        Span<byte> hex = stackalloc byte[16];
        Utf8Formatter.TryFormat(bodyHash, hex, out _, new StandardFormat('x', 16));
        w.WriteString("bodyFnv1a"u8, hex);
        w.WriteEndObject();
        w.Flush();
    }

    private int HeaderNumber(ReadOnlySpan<byte> lowerName, int fallback)
    {
        var index = _request.IndexOf(lowerName);
        if (index < 0)
        {
            return fallback;
        }

        return Utf8Parser.TryParse(_request.ValueOf(index), out int value, out var used) && used == _request.ValueOf(index).Length && value >= 0
            ? value
            : fallback;
    }

    private async ValueTask WriteErrorAsync(int status)
    {
        WriteHead(status, "text/plain"u8, 0, keepAlive: false, chunked: false);
        await _output.FlushAsync().ConfigureAwait(false);
    }

    private async ValueTask<bool> FlushAsync()
    {
        var flush = await _output.FlushAsync().ConfigureAwait(false);
        return !flush.IsCompleted;
    }

    private static byte[] CreatePattern()
    {
        var pattern = new byte[32 * 1024];
        for (var i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)('a' + (i % 26));
        }

        return pattern;
    }
}
