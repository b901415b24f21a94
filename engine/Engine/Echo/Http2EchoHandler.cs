using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Engine.Http2.Server;
using Engine.Protocols.Http;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Echo;

/// <summary>
/// The h2c face of <c>engine echo</c>, answering like the HTTP/1.1 one (<see cref="EchoSession"/>):
/// 200 with <c>x-served-by</c> and a JSON description (name, method, path, authority, headers, body
/// length and FNV-1a hash, and the request's trailers when it had some). The same request headers
/// steer it — <c>x-echo-status</c>, <c>x-echo-delay-ms</c>, <c>x-echo-bytes</c>, <c>x-echo-body</c>
/// (stream the request body back), <c>x-echo-set-NAME</c> — plus, for gRPC-style tests,
/// <c>x-echo-grpc-status: N</c> (and <c>x-echo-grpc-message</c>), which end the response with the
/// trailers <c>grpc-status</c> / <c>grpc-message</c>.
/// </summary>
internal sealed class Http2EchoHandler(EchoServer server) : IHttp2StreamHandler
{
    private static readonly byte[] Pattern = CreatePattern();

    private readonly Stack<Http2EchoScratch> _scratch = new();

    private static ReadOnlySpan<byte> EchoSetPrefix => "x-echo-set-"u8;

    public async ValueTask HandleAsync(Http2ServerStream stream)
    {
        server.CountRequest();
        var request = stream.Request;
        var status = HeaderNumber(request, "x-echo-status"u8, 200);
        if (status is < 200 or > 999)
        {
            status = 200;
        }

        var delayMs = HeaderNumber(request, "x-echo-delay-ms"u8, 0);
        var bytes = HeaderNumber(request, "x-echo-bytes"u8, -1);
        var grpcStatus = HeaderNumber(request, "x-echo-grpc-status"u8, -1);
        var scratch = RentScratch();
        try
        {
            if (request.IndexOf("x-echo-body"u8) >= 0)
            {
                await EchoBodyAsync(stream, status, grpcStatus, scratch).ConfigureAwait(false);
                return;
            }

            var (bodyLength, bodyHash, complete) = await ConsumeBodyAsync(stream).ConfigureAwait(false);
            if (!complete)
            {
                return;
            }

            if (delayMs > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(delayMs), server.Time, stream.Aborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var headOnly = request.Method == HttpMethod.Head || status is 204 or 304;
            var head = stream.ResponseHead;
            if (bytes >= 0)
            {
                WriteHead(stream, head, status, "application/octet-stream"u8, bytes);
                await stream.WriteResponseHeadAsync(head, endStream: headOnly && grpcStatus < 0).ConfigureAwait(false);
                if (!headOnly && !await WritePatternAsync(stream, bytes).ConfigureAwait(false))
                {
                    return;
                }
            }
            else
            {
                WriteJson(stream, scratch, bodyLength, bodyHash);
                WriteHead(stream, head, status, "application/json"u8, scratch.Json.WrittenCount);
                await stream.WriteResponseHeadAsync(head, endStream: headOnly && grpcStatus < 0).ConfigureAwait(false);
                if (!headOnly)
                {
                    stream.ResponseBody.Write(scratch.Json.WrittenSpan);
                }
            }

            if (!headOnly || grpcStatus >= 0)
            {
                await CompleteAsync(stream, grpcStatus, scratch).ConfigureAwait(false);
            }
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Streams the request body back as it arrives (no content-length).</summary>
    private async ValueTask EchoBodyAsync(Http2ServerStream stream, int status, int grpcStatus, Http2EchoScratch scratch)
    {
        var head = stream.ResponseHead;
        WriteHead(stream, head, status, "application/octet-stream"u8, contentLength: -1);
        if (!await stream.WriteResponseHeadAsync(head).ConfigureAwait(false))
        {
            return;
        }

        var body = stream.RequestBody;
        while (true)
        {
            var read = await body.ReadAsync().ConfigureAwait(false);
            if (read.IsCanceled)
            {
                return;
            }

            foreach (var segment in read.Buffer)
            {
                stream.ResponseBody.Write(segment.Span);
            }

            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }

            var flush = await stream.ResponseBody.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return;
            }
        }

        await CompleteAsync(stream, grpcStatus, scratch).ConfigureAwait(false);
    }

    private static async ValueTask<(long Length, ulong Hash, bool Complete)> ConsumeBodyAsync(Http2ServerStream stream)
    {
        var hash = Fnv1a.Initial;
        long length = 0;
        var body = stream.RequestBody;
        while (true)
        {
            var read = await body.ReadAsync().ConfigureAwait(false);
            if (read.IsCanceled)
            {
                return (length, hash, false);
            }

            hash = Fnv1a.Append(hash, read.Buffer);
            length += read.Buffer.Length;
            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return (length, hash, true);
            }
        }
    }

    private static async ValueTask<bool> WritePatternAsync(Http2ServerStream stream, long length)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var n = (int)Math.Min(remaining, Pattern.Length);
            stream.ResponseBody.Write(Pattern.AsSpan(0, n));
            remaining -= n;
            var flush = await stream.ResponseBody.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>END_STREAM after the body, or the gRPC trailers when asked for.</summary>
    private static async ValueTask CompleteAsync(Http2ServerStream stream, int grpcStatus, Http2EchoScratch scratch)
    {
        if (grpcStatus < 0)
        {
            await stream.ResponseBody.CompleteAsync().ConfigureAwait(false);
            return;
        }

        var trailers = scratch.Trailers;
        trailers.Reset();
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(grpcStatus, digits, out var written);
        trailers.AddHeader("grpc-status"u8, digits[..written]);
        var message = stream.Request.IndexOf("x-echo-grpc-message"u8);
        if (message >= 0)
        {
            trailers.AddHeader("grpc-message"u8, stream.Request.ValueOf(message));
        }

        await stream.CompleteWithTrailersAsync(trailers).ConfigureAwait(false);
    }

    private void WriteHead(Http2ServerStream stream, HttpResponseHead head, int status, ReadOnlySpan<byte> contentType, long contentLength)
    {
        head.Reset();
        head.StatusCode = status;
        head.AddHeader("x-served-by"u8, server.NameBytes);
        head.AddHeader("content-type"u8, contentType, KnownHeader.ContentType);
        if (contentLength >= 0 && status != 204)
        {
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat(contentLength, digits, out var written);
            head.AddHeader("content-length"u8, digits[..written], KnownHeader.ContentLength);
        }

        // x-echo-set-NAME: VALUE asks for a response header NAME: VALUE (to test response header rules).
        var request = stream.Request;
        var headers = request.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            var name = request.Span(headers[i].Name);
            if (name.Length > EchoSetPrefix.Length && name.StartsWith(EchoSetPrefix))
            {
                head.AddHeader(name[EchoSetPrefix.Length..], request.Span(headers[i].Value));
            }
        }
    }

    private void WriteJson(Http2ServerStream stream, Http2EchoScratch scratch, long bodyLength, ulong bodyHash)
    {
        var request = stream.Request;
        scratch.Json.ResetWrittenCount();
        var w = scratch.JsonWriter;
        w.Reset(scratch.Json);
        w.WriteStartObject();
        w.WriteString("name"u8, server.NameBytes);
        w.WriteString("method"u8, request.Span(request.MethodBytes));
        w.WriteString("path"u8, request.Span(request.Path));
        w.WriteString("authority"u8, request.Span(request.Authority));
        w.WriteString("protocol"u8, "HTTP/2"u8);
        WriteFields(w, "headers"u8, request);
        if (stream.RequestTrailers is { } trailers)
        {
            WriteFields(w, "trailers"u8, trailers);
        }

        w.WriteNumber("bodyBytes"u8, bodyLength);
        Span<byte> hex = stackalloc byte[16];
        Utf8Formatter.TryFormat(bodyHash, hex, out _, new StandardFormat('x', 16));
        w.WriteString("bodyFnv1a"u8, hex);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>HTTP/2 field names are lowercase on the wire (RFC 9113 §8.2.1), so they go out as received.</summary>
    private static void WriteFields(Utf8JsonWriter w, ReadOnlySpan<byte> property, HttpHead head)
    {
        w.WriteStartObject(property);
        var fields = head.Headers;
        for (var i = 0; i < fields.Length; i++)
        {
            w.WriteString(head.Span(fields[i].Name), head.Span(fields[i].Value));
        }

        w.WriteEndObject();
    }

    private static int HeaderNumber(HttpRequestHead request, ReadOnlySpan<byte> lowerName, int fallback)
    {
        var index = request.IndexOf(lowerName);
        if (index < 0)
        {
            return fallback;
        }

        var value = request.ValueOf(index);
        return Utf8Parser.TryParse(value, out int number, out var used) && used == value.Length && number >= 0 ? number : fallback;
    }

    private Http2EchoScratch RentScratch()
    {
        lock (_scratch)
        {
            return _scratch.TryPop(out var scratch) ? scratch : new Http2EchoScratch();
        }
    }

    private void ReturnScratch(Http2EchoScratch scratch)
    {
        lock (_scratch)
        {
            _scratch.Push(scratch);
        }
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
