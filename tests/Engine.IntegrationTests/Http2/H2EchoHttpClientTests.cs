using System.Net;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2;

/// <summary>The h2 server connection driven by .NET's HttpClient (h2c prior knowledge) against <c>engine echo</c>.</summary>
public sealed class H2EchoHttpClientTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("h2echo");
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_upstreams.PortOf("h2echo")}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _upstreams.DisposeAsync();
    }

    [Fact]
    public async Task Get_OverH2c_ReturnsEchoJson()
    {
        using var response = await _client.GetAsync("/hello?x=1");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("h2echo", response.Headers.GetValues("x-served-by").Single());
        using var json = JsonDocument.Parse(body);
        Assert.Equal("GET", json.RootElement.GetProperty("method").GetString());
        Assert.Equal("/hello?x=1", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("HTTP/2", json.RootElement.GetProperty("protocol").GetString());
    }
}
