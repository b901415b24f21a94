using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// Malformed requests against the running proxy: the status Envoy sends, the connection closed,
/// nothing forwarded (the codec's own tests cover every case byte by byte; these prove the proxy
/// acts on them).
/// </summary>
public sealed class MalformedRequestTests : IAsyncLifetime
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

    public static TheoryData<string, string, int> Cases => new()
    {
        { "CL+TE", "POST / HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "duplicate CL", "POST / HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400 },
        { "invalid CL", "POST / HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: +5\r\n\r\nhello", 400 },
        { "obs-fold", "GET / HTTP/1.1\r\nHost: svc:8080\r\nX-Folded: a\r\n b\r\n\r\n", 400 },
        { "bare LF", "GET / HTTP/1.1\nHost: svc:8080\n\n", 400 },
        { "space before colon", "GET / HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding : chunked\r\n\r\n", 400 },
        { "invalid name char", "GET / HTTP/1.1\r\nHost: svc:8080\r\nBad@Name: x\r\n\r\n", 400 },
        { "NUL in value", "GET / HTTP/1.1\r\nHost: svc:8080\r\nX: a\0b\r\n\r\n", 400 },
        { "missing Host", "GET / HTTP/1.1\r\n\r\n", 400 },
        { "two Hosts", "GET / HTTP/1.1\r\nHost: svc:8080\r\nHost: other\r\n\r\n", 400 },
        { "final coding not chunked", "POST / HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
        { "unknown coding before chunked", "POST / HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "bad chunk size", "POST / HTTP/1.1\r\nHost: svc:8080\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400 },
        { "HTTP/1.2", "GET / HTTP/1.2\r\nHost: svc:8080\r\n\r\n", 505 },
        { "double space", "GET  / HTTP/1.1\r\nHost: svc:8080\r\n\r\n", 400 },
        { "long URI", "GET /" + new string('a', 17 * 1024) + " HTTP/1.1\r\nHost: svc:8080\r\n\r\n", 414 },
        { "too many headers", "GET / HTTP/1.1\r\nHost: svc:8080\r\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"x-{i}: v\r\n")) + "\r\n", 431 },
        { "huge header", "GET / HTTP/1.1\r\nHost: svc:8080\r\nx-big: " + new string('a', 61 * 1024) + "\r\n\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_GetsEnvoysStatus_AndTheConnectionIsClosed(string name, string request, int status)
    {
        var before = _upstreams["svc-1"].Requests;
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        await raw.SendAsync(request);

        var received = await raw.ReadToEndAsync();

        Assert.True(received.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{name}: got {received.Split("\r\n")[0]}");
        Assert.Contains("connection: close", received, StringComparison.OrdinalIgnoreCase);
        if (status != 400 || !name.Contains("chunk", StringComparison.Ordinal))
        {
            Assert.Equal(before, _upstreams["svc-1"].Requests);
        }
    }

    [Fact]
    public async Task AfterAMalformedRequest_PipelinedBytesAreNeverParsed()
    {
        await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
        var before = _upstreams["svc-1"].Requests;
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: svc:8080\r\n\r\n");

        var received = await raw.ReadToEndAsync();

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(received, "HTTP/1.1 "));
        Assert.Equal(before, _upstreams["svc-1"].Requests);
    }

    [Fact]
    public async Task TheProxyKeepsServingOthers_AfterBadInput()
    {
        for (var i = 0; i < 10; i++)
        {
            await using var raw = await RawHttp.ConnectAsync(_sidecar.Endpoint);
            await raw.SendAsync("GARBAGE\r\n\r\n");
            await raw.ReadToEndAsync();
        }

        Assert.Equal("svc-1", await _sidecar.ServedByAsync("svc:8080"));
    }
}
