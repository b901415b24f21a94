using Engine.IntegrationTests.Http2.Conformance;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// HTTP/2 requests the proxy would forward over HTTP/1.1 (robustness.md §1.7): anything malformed
/// by RFC 9113 §8 — the H2.CL and H2.TE smuggling shapes, header injection through CR/LF,
/// connection-specific fields — is a stream error (RST_STREAM PROTOCOL_ERROR), never a 400 page and
/// never a GOAWAY for everyone else on the connection, and nothing of it reaches the upstream.
/// </summary>
public sealed class DowngradeTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;
    private TestSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("backend");
        _sidecar = await TestSidecar.StartAsync([MeshYaml.Service("localhost", 80, (_upstreams.PortOf("backend"), "v1"))]);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    public static TheoryData<string, (string, string)[]> MalformedRequests => Section8Tests.MalformedRequests;

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_IsAStreamError_NothingReachesTheUpstream_TheConnectionServesOn(string why, (string, string)[] fields)
    {
        _ = why;
        await using var client = await HandshakeAsync(_sidecar.Endpoint);
        var before = _upstreams["backend"].Requests;

        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block(fields), endStream: true, 16_384)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
        await client.SendRequestAsync(3, fields: ("x-next", "1"));
        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 3)).Status);
        Assert.Equal(before + 1, _upstreams["backend"].Requests);
    }

    [Fact]
    public async Task H2CL_ContentLengthZeroWithASmuggledRequestInTheData_IsAStreamError()
    {
        await using var client = await HandshakeAsync(_sidecar.Endpoint);
        var before = _upstreams["backend"].Requests;
        var smuggled = System.Text.Encoding.ASCII.GetBytes("GET /admin HTTP/1.1\r\nHost: a\r\n\r\n");

        // One write: the DATA is read right behind the HEADERS, before any answer could come back
        // (sent apart, the body-less request may be answered first and the stream closed NO_ERROR).
        await client.SendAsync(Frames(w =>
        {
            Http2FrameWriter.WriteHeaders(w, 1, RequestBlock("/", "POST", ("content-length", "0")), endStream: false, 16_384);
            Http2FrameWriter.WriteData(w, 1, new System.Buffers.ReadOnlySequence<byte>(smuggled), endStream: true, 16_384);
        }));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
        await Task.Delay(200); // anything wrongly forwarded would have reached the upstream by now
        Assert.True(_upstreams["backend"].Requests - before <= 1, "the smuggled request reached the upstream as a request of its own");
    }

    [Fact]
    public async Task H2TE_TransferEncodingChunked_IsAStreamError_NotForwarded()
    {
        await using var client = await HandshakeAsync(_sidecar.Endpoint);
        var before = _upstreams["backend"].Requests;

        await client.SendRequestAsync(1, endStream: false, method: "POST", fields: ("transfer-encoding", "chunked"));
        await client.SendDataAsync(1, System.Text.Encoding.ASCII.GetBytes("0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"), endStream: true);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
        Assert.Equal(before, _upstreams["backend"].Requests);
    }

    [Fact]
    public async Task AuthorityAndADifferentHost_RoutesByAuthority_TheHostIsNotForwarded()
    {
        // What `h2load -H 'host: …'` and nghttp send; the Envoy sidecar discards Host (§8.3.1).
        await using var client = await HandshakeAsync(_sidecar.Endpoint);

        await client.SendRequestAsync(1, path: "/both", fields: ("host", "elsewhere.example"));
        var (status, body) = await H2Assert.ResponseAsync(client, 1);

        Assert.Equal(200, status);
        Assert.Contains("\"host\":\"localhost\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere.example", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidRequest_IsForwarded_WithTheAuthorityAsHost()
    {
        await using var client = await HandshakeAsync(_sidecar.Endpoint);

        await client.SendRequestAsync(1, path: "/ok", fields: ("x-v", "a b"));
        var (status, body) = await H2Assert.ResponseAsync(client, 1);

        Assert.Equal(200, status);
        Assert.Contains("\"host\":\"localhost\"", body, StringComparison.Ordinal);
        Assert.Contains("\"x-v\":\"a b\"", body, StringComparison.Ordinal);
    }
}
