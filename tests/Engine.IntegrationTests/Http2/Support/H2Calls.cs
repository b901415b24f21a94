using System.Net;
using System.Text;
using Engine.Http2;
using Engine.Http2.Client;
using Engine.Protocols.Http;
using Engine.Transport;
using Engine.Upstream;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>What one request through <see cref="Http2ClientStream"/> gave back.</summary>
internal sealed record H2Response(int Status, Dictionary<string, string> Headers, byte[] Body, Dictionary<string, string>? Trailers, Http2StreamEnd End)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>Builds pools and requests for the client connection tests.</summary>
internal static class H2Calls
{
    public static Http2ClientPool Pool(IPEndPoint endpoint, Http2SessionOptions? options = null, int maxConnections = 0, UpstreamPoolSettings? settings = null)
    {
        var connector = new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings()));
        return new Http2ClientPool(endpoint, connector, settings ?? UpstreamPoolSettings.Default, options, maxConnections);
    }

    public static HttpRequestHead Request(string method, string path, string authority, params (string Name, string Value)[] fields)
    {
        var head = new HttpRequestHead();
        head.Reset();
        head.Method = method switch { "GET" => HttpMethod.Get, "POST" => HttpMethod.Post, "HEAD" => HttpMethod.Head, "PUT" => HttpMethod.Put, _ => HttpMethod.Custom };
        head.MethodBytes = head.Append(Encoding.ASCII.GetBytes(method));
        head.Scheme = head.Append("http"u8);
        head.Authority = head.Append(Encoding.ASCII.GetBytes(authority));
        head.Path = head.Append(Encoding.ASCII.GetBytes(path));
        head.QueryOffset = path.IndexOf('?', StringComparison.Ordinal);
        foreach (var (name, value) in fields)
        {
            head.AddHeader(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
        }

        return head;
    }

    public static HttpTrailers Trailers(params (string Name, string Value)[] fields)
    {
        var trailers = new HttpTrailers();
        foreach (var (name, value) in fields)
        {
            trailers.AddHeader(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
        }

        return trailers;
    }

    /// <summary>Opens a stream, sends the request (body in 16 KiB writes), reads the whole response.</summary>
    public static async Task<H2Response> SendAsync(Http2ClientPool pool, HttpRequestHead head, byte[]? body = null, HttpTrailers? trailers = null)
    {
        var open = await pool.OpenStreamAsync();
        Assert.True(open.Opened, "no stream: " + open.Outcome);
        using var stream = open.Stream!;
        return await ExchangeAsync(stream, head, body, trailers);
    }

    public static async Task<H2Response> ExchangeAsync(Http2ClientStream stream, HttpRequestHead head, byte[]? body = null, HttpTrailers? trailers = null)
    {
        var hasBody = body is not null || trailers is not null;
        await stream.WriteRequestHeadAsync(head, endStream: !hasBody);
        var send = hasBody ? SendBodyAsync(stream, body ?? [], trailers) : Task.CompletedTask;
        return await ReadResponseAsync(stream, send);
    }

    /// <summary>Reads the whole response of a stream whose request was written (<paramref name="send"/>: what still writes its body).</summary>
    public static async Task<H2Response> ReadResponseAsync(Http2ClientStream stream, Task? send = null)
    {
        send ??= Task.CompletedTask;
        var response = new HttpResponseHead();
        if (!await stream.ReadResponseHeadAsync(response))
        {
            await send;
            return new H2Response(0, [], [], null, stream.End);
        }

        var received = new List<byte>();
        while (true)
        {
            var read = await stream.ResponseBody.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                received.AddRange(segment.ToArray());
            }

            stream.ResponseBody.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }
        }

        await send;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < response.HeaderCount; i++)
        {
            headers[Encoding.ASCII.GetString(response.NameOf(i))] = Encoding.ASCII.GetString(response.ValueOf(i));
        }

        Dictionary<string, string>? trailerFields = null;
        if (stream.ResponseTrailers is { } t)
        {
            trailerFields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < t.HeaderCount; i++)
            {
                trailerFields[Encoding.ASCII.GetString(t.NameOf(i))] = Encoding.ASCII.GetString(t.ValueOf(i));
            }
        }

        return new H2Response(response.StatusCode, headers, [.. received], trailerFields, stream.End);
    }

    private static async Task SendBodyAsync(Http2ClientStream stream, byte[] body, HttpTrailers? trailers)
    {
        for (var offset = 0; offset < body.Length; offset += 16 * 1024)
        {
            var flush = await stream.RequestBody.WriteAsync(body.AsMemory(offset, Math.Min(16 * 1024, body.Length - offset)));
            if (flush.IsCompleted)
            {
                return;
            }
        }

        if (trailers is not null)
        {
            await stream.CompleteWithTrailersAsync(trailers);
        }
        else
        {
            await stream.RequestBody.CompleteAsync();
        }
    }
}
