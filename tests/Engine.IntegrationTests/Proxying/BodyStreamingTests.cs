using System.Net;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Proxying;

/// <summary>Request and response bodies through the proxy: Content-Length, chunked, large, streamed both ways.</summary>
public sealed class BodyStreamingTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private TestSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("svc-1");
        _sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1"))]);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private async Task<JsonElement> PostAsync(HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.Host = "svc:8080";
        using var response = await _sidecar.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(5_000_000)]
    public async Task ContentLengthBody_ArrivesUnchanged(int length)
    {
        var body = RandomBytes(length);

        var echo = await PostAsync(new ByteArrayContent(body));

        Assert.Equal(length, echo.GetProperty("bodyBytes").GetInt64());
        Assert.Equal(Fnv1a(body).ToString("x16"), echo.GetProperty("bodyFnv1a").GetString());
    }

    [Theory]
    [InlineData(10)]
    [InlineData(3_000_000)]
    public async Task ChunkedRequestBody_IsDecodedAndReChunked_Unchanged(int length)
    {
        var body = RandomBytes(length);

        // A stream of unknown length makes HttpClient send Transfer-Encoding: chunked.
        var echo = await PostAsync(new StreamContent(new NonSeekableStream(body)));

        Assert.Equal("chunked", echo.GetProperty("headers").GetProperty("transfer-encoding").GetString());
        Assert.Equal(length, echo.GetProperty("bodyBytes").GetInt64());
        Assert.Equal(Fnv1a(body).ToString("x16"), echo.GetProperty("bodyFnv1a").GetString());
    }

    [Fact]
    public async Task ChunkedResponse_StreamedBack_ArrivesUnchanged()
    {
        var body = RandomBytes(2_000_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StreamContent(new NonSeekableStream(body)) };
        request.Headers.Host = "svc:8080";
        request.Headers.Add("x-echo-body", "true");

        using var response = await _sidecar.Client.SendAsync(request);
        var received = await response.Content.ReadAsByteArrayAsync();

        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal(body, received);
    }

    [Fact]
    public async Task EmptyBody_EchoedBack_IsEmpty()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent([]) };
        request.Headers.Host = "svc:8080";
        request.Headers.Add("x-echo-body", "true");

        using var response = await _sidecar.Client.SendAsync(request);
        var received = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(received);
    }

    [Fact]
    public async Task LargeDownload_StreamsThrough()
    {
        const long size = 64L * 1024 * 1024;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "svc:8080";
        request.Headers.Add("x-echo-bytes", size.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await _sidecar.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        Assert.Equal(size, response.Content.Headers.ContentLength);
        Assert.Equal(size, total);
    }

    [Fact]
    public async Task ExpectContinue_IsAnsweredAndTheBodyForwarded()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync("POST / HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await raw.ReadResponseAsync();
        Assert.Equal(100, interim.Status);

        await raw.SendAsync("hello");
        var response = await raw.ReadResponseAsync();
        var echo = JsonDocument.Parse(response.Body).RootElement;

        Assert.Equal(200, response.Status);
        Assert.Equal(5, echo.GetProperty("bodyBytes").GetInt64());
        Assert.False(echo.GetProperty("headers").TryGetProperty("expect", out _));
    }

    /// <summary>Hides the length of a byte array so HttpClient has to chunk it.</summary>
    private sealed class NonSeekableStream : MemoryStream
    {
        public NonSeekableStream(byte[] data)
            : base(data, writable: false)
        {
        }

        public override bool CanSeek => false;
    }
}
