using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Hpack;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Tests.Http2;

/// <summary>
/// RFC 9113 §8.1–§8.3 as validation tables: what makes a request, response or trailer section
/// malformed (a stream error PROTOCOL_ERROR, answered 400), and how a valid one fills the shared model.
/// </summary>
public class Http2HeadDecoderTests
{
    private static readonly (string, string)[] Base = [(":method", "GET"), (":scheme", "https"), (":authority", "reviews.default:9080"), (":path", "/api/x?y=1")];

    [Fact]
    public void Request_Valid_FillsTheModel()
    {
        var head = new HttpRequestHead();
        var error = DecodeRequest(head, [.. Base, ("user-agent", "curl"), ("content-length", "12"), ("x-request-id", "r1"), ("cookie", "a=1"), ("cookie", "b=2"), ("te", "trailers"), ("expect", "100-continue")]);

        Assert.Equal(Http2Error.None, error);
        Assert.Equal(HttpMethod.Get, head.Method);
        Assert.Equal("GET", Text(head, head.MethodBytes));
        Assert.Equal("https", Text(head, head.Scheme));
        Assert.Equal("reviews.default:9080", Text(head, head.Authority));
        Assert.Equal("/api/x?y=1", Text(head, head.Path));
        Assert.Equal("/api/x"u8.ToArray(), head.PathOnly.ToArray());
        Assert.Equal("y=1"u8.ToArray(), head.Query.ToArray());
        Assert.Equal(HttpVersion.Http2, head.Version);
        Assert.Equal(12, head.ContentLength);
        Assert.True(head.ExpectContinue);
        Assert.Equal(7, head.HeaderCount);
        Assert.Equal(KnownHeader.ContentLength, head.HeaderAt(1).Known);
        Assert.Equal(KnownHeader.XRequestId, head.HeaderAt(2).Known);
        Assert.Equal(KnownHeader.Te, head.HeaderAt(5).Known);
    }

    [Theory]
    [InlineData("PUT", HttpMethod.Put)]
    [InlineData("PROPFIND", HttpMethod.Custom)]
    [InlineData("get", HttpMethod.Custom)]
    public void Request_Methods(string method, HttpMethod expected)
    {
        var head = new HttpRequestHead();
        Assert.Equal(Http2Error.None, DecodeRequest(head, [(":method", method), .. Base[1..]]));
        Assert.Equal(expected, head.Method);
        Assert.Equal(method, Text(head, head.MethodBytes));
    }

    public static TheoryData<string, (string, string)[], Http2Error> MalformedRequests => new()
    {
        // §8.2.1 field names and values.
        { "uppercase name", [.. Base, ("X-Foo", "1")], Http2Error.InvalidHeaderName },
        { "space in name", [.. Base, ("x foo", "1")], Http2Error.InvalidHeaderName },
        { "empty name", [.. Base, (string.Empty, "1")], Http2Error.InvalidHeaderName },
        { "colon inside name", [.. Base, ("x:y", "1")], Http2Error.InvalidHeaderName },
        { "DEL in name", [.. Base, ("x\u007f", "1")], Http2Error.InvalidHeaderName },
        { "obs-text in name", [.. Base, ("x\u00e9", "1")], Http2Error.InvalidHeaderName },
        { "NUL in value", [.. Base, ("x", "a\u0000b")], Http2Error.InvalidHeaderValue },
        { "CR in value", [.. Base, ("x", "a\rb")], Http2Error.InvalidHeaderValue },
        { "LF in value", [.. Base, ("x", "a\nx-injected: 1")], Http2Error.InvalidHeaderValue },
        { "control in value", [.. Base, ("x", "a\u0001")], Http2Error.InvalidHeaderValue },
        { "leading space", [.. Base, ("x", " a")], Http2Error.InvalidHeaderValue },
        { "trailing tab", [.. Base, ("x", "a\t")], Http2Error.InvalidHeaderValue },

        // §8.2.2 connection-specific fields.
        { "connection", [.. Base, ("connection", "keep-alive")], Http2Error.ConnectionSpecificHeader },
        { "keep-alive", [.. Base, ("keep-alive", "5")], Http2Error.ConnectionSpecificHeader },
        { "proxy-connection", [.. Base, ("proxy-connection", "close")], Http2Error.ConnectionSpecificHeader },
        { "transfer-encoding", [.. Base, ("transfer-encoding", "chunked")], Http2Error.ConnectionSpecificHeader },
        { "upgrade", [.. Base, ("upgrade", "websocket")], Http2Error.ConnectionSpecificHeader },
        { "te other than trailers", [.. Base, ("te", "gzip")], Http2Error.InvalidTe },
        { "te list", [.. Base, ("te", "trailers, gzip")], Http2Error.InvalidTe },

        // §8.3 pseudo-header fields.
        { "unknown pseudo", [.. Base, (":foo", "1")], Http2Error.UnknownPseudoHeader },
        { ":protocol without extended CONNECT", [.. Base[..3], (":protocol", "websocket"), Base[3]], Http2Error.UnknownPseudoHeader },
        { "response pseudo", [(":status", "200"), .. Base], Http2Error.ResponsePseudoHeaderInRequest },
        { "duplicate :path", [.. Base, (":path", "/b")], Http2Error.DuplicatePseudoHeader },
        { "duplicate :method", [(":method", "GET"), .. Base], Http2Error.DuplicatePseudoHeader },
        { "pseudo after regular", [.. Base[..3], ("x", "1"), Base[3]], Http2Error.PseudoHeaderAfterRegular },
        { "missing :method", [.. Base[1..]], Http2Error.MissingPseudoHeader },
        { "missing :scheme", [Base[0], Base[2], Base[3]], Http2Error.MissingPseudoHeader },
        { "missing :path", [.. Base[..3]], Http2Error.MissingPseudoHeader },
        { "empty :path", [.. Base[..3], (":path", string.Empty)], Http2Error.InvalidPath },
        { "relative :path", [.. Base[..3], (":path", "api")], Http2Error.InvalidPath },
        { "space in :path", [.. Base[..3], (":path", "/a b")], Http2Error.InvalidPath },
        { "absolute-form :path", [.. Base[..3], (":path", "http://x/")], Http2Error.InvalidPath },
        { "asterisk for GET", [.. Base[..3], (":path", "*")], Http2Error.InvalidPath },
        { "method not a token", [(":method", "G T"), .. Base[1..]], Http2Error.InvalidMethod },
        { "empty method", [(":method", string.Empty), .. Base[1..]], Http2Error.InvalidMethod },
        { "scheme starting with digit", [Base[0], (":scheme", "1http"), Base[2], Base[3]], Http2Error.InvalidScheme },
        { "authority with space", [Base[0], Base[1], (":authority", "a b"), Base[3]], Http2Error.InvalidAuthority },
        { "authority with userinfo", [Base[0], Base[1], (":authority", "user@host"), Base[3]], Http2Error.InvalidAuthority },
        { "empty authority", [Base[0], Base[1], (":authority", string.Empty), Base[3]], Http2Error.InvalidAuthority },
        { "no authority, no host", [Base[0], Base[1], Base[3]], Http2Error.MissingAuthority },
        { "two hosts", [Base[0], Base[1], Base[3], ("host", "a"), ("host", "a")], Http2Error.InvalidAuthority },
        { "host with comma", [Base[0], Base[1], Base[3], ("host", "a,b")], Http2Error.InvalidAuthority },

        // §8.5 CONNECT.
        { "CONNECT with :scheme and :path", [(":method", "CONNECT"), .. Base[1..]], Http2Error.InvalidConnect },
        { "CONNECT without :authority", [(":method", "CONNECT")], Http2Error.InvalidConnect },
        { "CONNECT without port", [(":method", "CONNECT"), (":authority", "example.com")], Http2Error.InvalidAuthority },

        // §8.1.1 content-length.
        { "content-length not digits", [.. Base, ("content-length", "1a")], Http2Error.InvalidContentLength },
        { "content-length negative", [.. Base, ("content-length", "-1")], Http2Error.InvalidContentLength },
        { "content-length list", [.. Base, ("content-length", "5, 5")], Http2Error.InvalidContentLength },
        { "two content-length", [.. Base, ("content-length", "5"), ("content-length", "5")], Http2Error.InvalidContentLength },
        { "content-length overflow", [.. Base, ("content-length", "99999999999999999999")], Http2Error.InvalidContentLength },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void Request_Malformed_IsStreamError400(string why, (string, string)[] fields, Http2Error expected)
    {
        var error = DecodeRequest(new HttpRequestHead(), fields);
        Assert.True(expected == error, $"{why}: expected {expected}, got {error}");
        Assert.False(Http2ErrorTable.IsConnectionError(error), why);
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ErrorTable.CodeFor(error));
        Assert.Equal(400, Http2ErrorTable.StatusFor(error));
    }

    [Theory]
    [InlineData("host only", "reviews", null)]
    [InlineData("same authority and host", "reviews.default:9080", "reviews.default:9080")]
    [InlineData("case-insensitive match", "REVIEWS.default:9080", "reviews.default:9080")]
    [InlineData("authority and host differ: authority wins, as Envoy discards Host", "other", "reviews.default:9080")]
    public void Request_HostAndAuthority(string why, string host, string? authority)
    {
        _ = why;
        var head = new HttpRequestHead();
        (string, string)[] fields = authority is null
            ? [Base[0], Base[1], Base[3], ("host", host)]
            : [Base[0], Base[1], (":authority", authority), Base[3], ("host", host)];
        Assert.Equal(Http2Error.None, DecodeRequest(head, fields));
        Assert.Equal(authority ?? host, Text(head, head.Authority));
        Assert.Equal(1, head.HostCount);
        Assert.Equal(authority is null, head.IndexOf(KnownHeader.Host) >= 0); // with :authority the Host field is dropped
    }

    [Fact]
    public void Request_Connect_Valid()
    {
        var head = new HttpRequestHead();
        Assert.Equal(Http2Error.None, DecodeRequest(head, [(":method", "CONNECT"), (":authority", "example.com:443")]));
        Assert.Equal(HttpMethod.Connect, head.Method);
        Assert.Equal("example.com:443", Text(head, head.Authority));
    }

    [Fact]
    public void Request_OptionsAsterisk_Valid()
    {
        var head = new HttpRequestHead();
        Assert.Equal(Http2Error.None, DecodeRequest(head, [(":method", "OPTIONS"), Base[1], Base[2], (":path", "*")]));
        Assert.Equal("*", Text(head, head.Path));
    }

    [Fact]
    public void Request_ObsTextAndTeTrailersCaseInsensitive_Accepted()
        => Assert.Equal(Http2Error.None, DecodeRequest(new HttpRequestHead(), [.. Base, ("x", "caf\u00e9"), ("te", "Trailers")]));

    [Fact]
    public void Request_Malformed_TableStaysInStep()
    {
        var decoder = new HpackDecoder();
        var head = new HttpRequestHead();
        byte[] bad = [.. RawBlock.Of([.. Base, ("X-Bad", "1")]), .. RawBlock.Indexed("x-later", "v")];

        Assert.Equal(Http2Error.InvalidHeaderName, Http2HeadDecoder.DecodeRequest(decoder, bad, head, Http2Limits.Default));
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(decoder, [.. RawBlock.Of(Base), 0xBE], head, Http2Limits.Default));
        Assert.Equal(("x-later", "v"), Heads.Fields(head).Single());
    }

    [Fact]
    public void Request_OverLimits_431()
    {
        var fields = Base.Concat(Enumerable.Range(0, 97).Select(i => ($"x-{i}", "v"))).ToArray();
        var error = DecodeRequest(new HttpRequestHead(), fields);
        Assert.Equal(Http2Error.TooManyHeaders, error);
        Assert.Equal(431, Http2ErrorTable.StatusFor(error));
        Assert.Equal(Http2Error.None, DecodeRequest(new HttpRequestHead(), fields[..100]));

        error = DecodeRequest(new HttpRequestHead(), [.. Base, ("cookie", new string('c', 61 * 1024))]);
        Assert.Equal(Http2Error.HeaderListTooLarge, error);
        Assert.Equal(431, Http2ErrorTable.StatusFor(error));
    }

    [Fact]
    public void Request_CookieCrumbs_EachCountTowardTheLimit()
    {
        var fields = Base.Concat(Enumerable.Range(0, 100).Select(i => ("cookie", $"c{i}=1"))).ToArray();
        Assert.Equal(Http2Error.TooManyHeaders, DecodeRequest(new HttpRequestHead(), fields));
    }

    // §8.3.2 responses.
    [Fact]
    public void Response_Valid()
    {
        var head = new HttpResponseHead();
        Assert.Equal(Http2Error.None, DecodeResponse(head, [(":status", "204"), ("server", "envoy"), ("content-length", "0")]));
        Assert.Equal(204, head.StatusCode);
        Assert.Equal(0, head.ContentLength);
        Assert.Equal(HttpVersion.Http2, head.Version);
        Assert.Equal(KnownHeader.Server, head.HeaderAt(0).Known);
    }

    [Theory]
    [InlineData("missing :status", Http2Error.MissingPseudoHeader, "x", "1")]
    [InlineData("two digits", Http2Error.InvalidStatus, ":status", "20")]
    [InlineData("letters", Http2Error.InvalidStatus, ":status", "2x0")]
    [InlineData("leading zero", Http2Error.InvalidStatus, ":status", "099")]
    [InlineData("101 in HTTP/2", Http2Error.InvalidStatus, ":status", "101")]
    [InlineData("request pseudo", Http2Error.RequestPseudoHeaderInResponse, ":path", "/")]
    [InlineData("unknown pseudo", Http2Error.UnknownPseudoHeader, ":x", "/")]
    [InlineData("connection header", Http2Error.ConnectionSpecificHeader, "connection", "close")]
    public void Response_Malformed(string why, Http2Error expected, string name, string value)
    {
        (string, string)[] fields = name.StartsWith(':') || name == "x" ? [(name, value)] : [(":status", "200"), (name, value)];
        Assert.True(expected == DecodeResponse(new HttpResponseHead(), fields), why);
    }

    [Fact]
    public void Response_DuplicateStatus_AndStatusAfterRegular()
    {
        Assert.Equal(Http2Error.DuplicatePseudoHeader, DecodeResponse(new HttpResponseHead(), [(":status", "200"), (":status", "200")]));
        Assert.Equal(Http2Error.PseudoHeaderAfterRegular, DecodeResponse(new HttpResponseHead(), [("x", "1"), (":status", "200")]));
    }

    [Fact]
    public void Response_Informational_IsAHead()
    {
        var head = new HttpResponseHead();
        Assert.Equal(Http2Error.None, DecodeResponse(head, [(":status", "100")]));
        Assert.Equal(100, head.StatusCode);
    }

    [Fact]
    public void Response_InformationalEndingTheStream_Malformed()
    {
        var head = new HttpResponseHead();
        Assert.Equal(Http2Error.InvalidStatus, Http2HeadDecoder.DecodeResponse(new HpackDecoder(), RawBlock.Of((":status", "103")), head, endStream: true, Http2Limits.Default));
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(new HpackDecoder(), RawBlock.Of((":status", "204")), head, endStream: true, Http2Limits.Default));
    }

    // §8.1 trailers.
    [Fact]
    public void Trailers_Valid_FramingFieldsDropped()
    {
        var trailers = new HttpTrailers();
        Assert.Equal(Http2Error.None, DecodeTrailers(trailers, endStream: true, [("grpc-status", "0"), ("grpc-message", "ok"), ("content-length", "5")]));
        Assert.Equal([("grpc-status", "0"), ("grpc-message", "ok")], Heads.Fields(trailers));
    }

    [Fact]
    public void Trailers_PseudoHeader_Malformed()
        => Assert.Equal(Http2Error.PseudoHeaderInTrailers, DecodeTrailers(new HttpTrailers(), true, [(":status", "200")]));

    [Fact]
    public void Trailers_WithoutEndStream_Malformed()
        => Assert.Equal(Http2Error.TrailersWithoutEndStream, DecodeTrailers(new HttpTrailers(), false, [("grpc-status", "0")]));

    [Fact]
    public void Skip_KeepsTableInStep_ReturnsOnlyConnectionErrors()
    {
        var decoder = new HpackDecoder();
        var scratch = new HttpTrailers();
        Assert.Equal(Http2Error.None, Http2HeadDecoder.Skip(decoder, [.. RawBlock.Indexed("x-a", "1"), .. RawBlock.Indexed("X-Bad", "2")], scratch));
        Assert.Equal(2, decoder.Table.Count);
        Assert.Equal(Http2Error.HpackInvalidIndex, Http2HeadDecoder.Skip(decoder, [0xC5], scratch));
    }

    // §8.1.1 content-length against DATA.
    [Fact]
    public void ContentLength_SumMustMatch()
    {
        var check = new Http2ContentLength(10);
        Assert.Equal(Http2Error.None, check.OnData(4, false));
        Assert.Equal(Http2Error.None, check.OnData(6, true));

        check = new Http2ContentLength(10);
        Assert.Equal(Http2Error.ContentLengthMismatch, check.OnData(11, false));

        check = new Http2ContentLength(10);
        Assert.Equal(Http2Error.None, check.OnData(4, false));
        Assert.Equal(Http2Error.ContentLengthMismatch, check.OnEndStream());
        Assert.Equal(Http2Error.ContentLengthMismatch, new Http2ContentLength(10).OnData(9, true));
    }

    [Fact]
    public void ContentLength_Absent_AnythingGoes_NoContent_NothingGoes()
    {
        var check = new Http2ContentLength(-1);
        Assert.Equal(Http2Error.None, check.OnData(1 << 20, true));
        Assert.Equal(1 << 20, check.Received);

        var head = new Http2ContentLength(500, noContent: true);
        Assert.Equal(Http2Error.None, head.OnEndStream());
        Assert.Equal(Http2Error.ContentLengthMismatch, new Http2ContentLength(500, noContent: true).OnData(1, false));
    }

    internal static Http2Error DecodeRequest(HttpRequestHead head, (string, string)[] fields)
        => Http2HeadDecoder.DecodeRequest(new HpackDecoder(), RawBlock.Of(fields), head, Http2Limits.Default);

    private static Http2Error DecodeResponse(HttpResponseHead head, (string, string)[] fields)
        => Http2HeadDecoder.DecodeResponse(new HpackDecoder(), RawBlock.Of(fields), head, endStream: false, Http2Limits.Default);

    private static Http2Error DecodeTrailers(HttpTrailers trailers, bool endStream, (string, string)[] fields)
        => Http2HeadDecoder.DecodeTrailers(new HpackDecoder(), RawBlock.Of(fields), trailers, endStream, Http2Limits.Default);

    private static string Text(HttpHead head, ByteRange range) => HpackEncoderTests.Text(head, range);
}
