using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>
/// RFC 9113 §8 (HTTP semantics): malformed requests are stream errors PROTOCOL_ERROR (§8.1.1) that
/// leave the connection serving; trailers, content-length, field and pseudo-header rules.
/// </summary>
public sealed class Section8Tests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    public static TheoryData<string, (string, string)[]> MalformedRequests => new()
    {
        // §8.2.1 field names and values.
        { "uppercase name", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("X-Upper", "1")] },
        { "value with CR LF", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("x-v", "a\r\nb")] },
        { "value with leading space", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("x-v", " a")] },

        // §8.2.2 connection-specific fields, TE other than trailers.
        { "connection", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("connection", "keep-alive")] },
        { "transfer-encoding", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("transfer-encoding", "chunked")] },
        { "te gzip", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), ("te", "gzip")] },

        // §8.3.1 pseudo-header fields.
        { "no :method", [(":scheme", "http"), (":authority", "a"), (":path", "/")] },
        { "no :scheme", [(":method", "GET"), (":authority", "a"), (":path", "/")] },
        { "no :path", [(":method", "GET"), (":scheme", "http"), (":authority", "a")] },
        { "empty :path", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "")] },
        { "unknown pseudo", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), (":foo", "x")] },
        { ":status in request", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), (":status", "200")] },
        { "duplicate :path", [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/"), (":path", "/")] },
        { "pseudo after regular", [(":method", "GET"), (":scheme", "http"), ("x-a", "1"), (":authority", "a"), (":path", "/")] },
        { "no authority nor host", [(":method", "GET"), (":scheme", "http"), (":path", "/")] },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task S8_MalformedRequest_RstProtocolError_ConnectionServesOn(string why, (string, string)[] fields)
    {
        _ = why;
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block(fields), endStream: true, 16_384)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
        await client.SendRequestAsync(3);
        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 3)).Status);
    }

    [Fact]
    public async Task S8_1_Trailers_ReachTheHandler()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendDataAsync(1, [1, 2, 3], endStream: false);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block(("x-checksum", "abc"), ("grpc-status", "0")), endStream: true, 16_384)));

        var (status, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
        Assert.StartsWith("3;x-checksum,grpc-status;", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S8_1_TrailersWithoutEndStream_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block(("x-checksum", "abc")), endStream: false, 16_384)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S8_1_PseudoHeaderInTrailers_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block((":path", "/")), endStream: true, 16_384)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S8_1_1_MoreDataThanContentLength_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST", fields: ("content-length", "3"));
        await client.SendDataAsync(1, [1, 2, 3, 4], endStream: true);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S8_1_1_LessDataThanContentLength_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST", fields: ("content-length", "10"));
        await client.SendDataAsync(1, [1, 2, 3], endStream: true);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S8_1_1_ContentLengthWithoutData_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, method: "POST", fields: ("content-length", "5"));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S8_1_1_MatchingContentLength_IsAccepted()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST", fields: ("content-length", "4"));
        await client.SendDataAsync(1, [1, 2], endStream: false);
        await client.SendDataAsync(1, [3, 4], endStream: true);

        var (_, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.StartsWith("4;", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S8_1_ResponseBeforeTheRequestEnded_IsFollowedByRstNoError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, path: "/noread", method: "POST");

        var (status, body) = await H2Assert.ResponseAsync(client, 1);
        var reset = await client.ReadResetOrGoAwayAsync(1);

        Assert.Equal(200, status);
        Assert.Equal("early", body);
        Assert.Equal(Http2FrameType.RstStream, reset!.Type);
        Assert.Equal(Http2ErrorCode.NoError, reset.ErrorCode);
        await client.SendDataAsync(1, [1, 2, 3], endStream: true);
        await H2Assert.AliveAsync(client);
    }

    [Fact]
    public async Task S8_2_2_TeTrailers_IsAccepted()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, fields: ("te", "trailers"));

        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 1)).Status);
    }

    [Fact]
    public async Task S8_3_1_HostWithoutAuthority_IsTheAuthority()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block((":method", "GET"), (":scheme", "http"), (":path", "/"), ("host", "from-host.local")), endStream: true, 16_384)));

        var (_, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.EndsWith("from-host.local", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S8_3_1_AuthorityAndHostDisagree_AuthorityWins_HostIsDiscarded()
    {
        // §8.3.1 lets a server refuse this (SHOULD); the Envoy sidecar discards Host instead, and so do we.
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block((":method", "GET"), (":scheme", "http"), (":authority", "a.local"), (":path", "/"), ("host", "b.local")), endStream: true, 16_384)));

        var (_, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.EndsWith("a.local", body, StringComparison.Ordinal);
    }
}
