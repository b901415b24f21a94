using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.HeadParseHarness;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Tests.Http1;

public class Http1RequestParserTests
{
    [Fact]
    public void Parse_SimpleGet_FillsHead()
    {
        var head = ParseRequest("GET /reviews/1?x=1&y HTTP/1.1\r\nHost: reviews:9080\r\nUser-Agent: curl/8\r\n\r\n");

        Assert.Equal(HttpMethod.Get, head.Method);
        Assert.Equal("GET", Text(head, head.MethodBytes));
        Assert.Equal(HttpVersion.Http11, head.Version);
        Assert.Equal("/reviews/1?x=1&y", Text(head, head.Path));
        Assert.Equal(10, head.QueryOffset);
        Assert.Equal("/reviews/1"u8, head.PathOnly);
        Assert.Equal("x=1&y"u8, head.Query);
        Assert.Equal("reviews:9080", Text(head, head.Authority));
        Assert.True(head.Scheme.IsEmpty);
        Assert.False(head.AbsoluteForm);
        Assert.Equal(1, head.HostCount);
        Assert.Equal(-1, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.Equal(2, head.HeaderCount);
        Assert.Equal("Host", Text(head, head.HeaderAt(0).Name));
        Assert.Equal(KnownHeader.Host, head.HeaderAt(0).Known);
        Assert.Equal("curl/8", Text(head, head.HeaderAt(1).Value));
        Assert.Equal(KnownHeader.None, head.HeaderAt(1).Known);
    }

    [Fact]
    public void Parse_AbsoluteForm_TakesAuthorityAndSchemeFromTarget()
    {
        var head = ParseRequest("GET http://reviews:9080/a?b HTTP/1.1\r\nHost: other\r\n\r\n");

        Assert.True(head.AbsoluteForm);
        Assert.Equal("http", Text(head, head.Scheme));
        Assert.Equal("reviews:9080", Text(head, head.Authority));
        Assert.Equal("/a?b", Text(head, head.Path));
        Assert.Equal(2, head.QueryOffset);
    }

    [Theory]
    [InlineData("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "h", "/", -1)]
    [InlineData("GET HTTPS://h:443?q=1 HTTP/1.1\r\nHost: h\r\n\r\n", "h:443", "/?q=1", 1)]
    [InlineData("GET http://[::1]:80/p HTTP/1.1\r\nHost: x\r\n\r\n", "[::1]:80", "/p", -1)]
    public void Parse_AbsoluteFormWithEmptyPath_PathBecomesSlash(string raw, string authority, string path, int queryOffset)
    {
        var head = ParseRequest(raw);

        Assert.Equal(authority, Text(head, head.Authority));
        Assert.Equal(path, Text(head, head.Path));
        Assert.Equal(queryOffset, head.QueryOffset);
    }

    [Fact]
    public void Parse_ConnectAuthorityForm_PathAndAuthorityAreTarget()
    {
        var head = ParseRequest("CONNECT ratings:9080 HTTP/1.1\r\nHost: ratings:9080\r\n\r\n");

        Assert.Equal(HttpMethod.Connect, head.Method);
        Assert.Equal("ratings:9080", Text(head, head.Authority));
        Assert.Equal("ratings:9080", Text(head, head.Path));
    }

    [Fact]
    public void Parse_OptionsAsterisk_PathIsAsterisk()
    {
        var head = ParseRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(HttpMethod.Options, head.Method);
        Assert.Equal("*", Text(head, head.Path));
    }

    [Theory]
    [InlineData("GET", HttpMethod.Get)]
    [InlineData("HEAD", HttpMethod.Head)]
    [InlineData("POST", HttpMethod.Post)]
    [InlineData("PUT", HttpMethod.Put)]
    [InlineData("DELETE", HttpMethod.Delete)]
    [InlineData("OPTIONS", HttpMethod.Options)]
    [InlineData("TRACE", HttpMethod.Trace)]
    [InlineData("PATCH", HttpMethod.Patch)]
    [InlineData("get", HttpMethod.Custom)]
    [InlineData("PURGE", HttpMethod.Custom)]
    [InlineData("M-SEARCH", HttpMethod.Custom)]
    public void Parse_Method_MapsKnownCaseSensitively(string method, HttpMethod expected)
    {
        var head = ParseRequest($"{method} / HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(expected, head.Method);
        Assert.Equal(method, Text(head, head.MethodBytes));
    }

    [Fact]
    public void Parse_Http10WithoutHost_Accepted()
    {
        var head = ParseRequest("GET / HTTP/1.0\r\n\r\n");

        Assert.Equal(HttpVersion.Http10, head.Version);
        Assert.True(head.Authority.IsEmpty);
        Assert.Equal(0, head.HostCount);
        Assert.False(Http1Persistence.IsPersistent(head));
    }

    [Fact]
    public void Parse_OneLeadingEmptyLine_Ignored()
    {
        var head = ParseRequest("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(HttpMethod.Get, head.Method);
        Assert.Equal("/", Text(head, head.Path));
    }

    [Fact]
    public void Parse_Pipelined_ConsumedStopsAtEndOfFirstHead()
    {
        const string First = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
        var head = ParseRequest(First + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", expectedConsumed: First.Length);

        Assert.Equal("/a", Text(head, head.Path));
        Assert.Equal(1, head.HeaderCount);
    }

    [Fact]
    public void Parse_BodyBytesAfterHead_NotConsumed()
    {
        const string Head = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
        var head = ParseRequest(Head + "hello", expectedConsumed: Head.Length);

        Assert.Equal(5, head.ContentLength);
        Assert.True(head.HasBody);
    }

    [Fact]
    public void Parse_FieldValues_TrimsOwsKeepsInnerSpaceAndObsText()
    {
        var head = ParseRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a  b \t\r\nX-B:\r\nX-C:   \r\nX-D: caf\u00e9\r\nX-E:v\r\n\r\n");

        Assert.Equal("a  b", Text(head, head.HeaderAt(1).Value));
        Assert.True(head.HeaderAt(2).Value.IsEmpty);
        Assert.True(head.HeaderAt(3).Value.IsEmpty);
        Assert.Equal("caf\u00e9", Text(head, head.HeaderAt(4).Value));
        Assert.Equal("v", Text(head, head.HeaderAt(5).Value));
    }

    [Fact]
    public void Parse_HeaderNameAllTcharsAndUnderscore_Accepted()
    {
        var head = ParseRequest("GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nContent_Length: 5\r\n\r\n");

        Assert.Equal("!#$%&'*+-.^_`|~09azAZ", Text(head, head.HeaderAt(1).Name));
        Assert.Equal(KnownHeader.None, head.HeaderAt(2).Known);
        Assert.Equal(-1, head.ContentLength);
    }

    [Theory]
    [InlineData("content-length", KnownHeader.ContentLength)]
    [InlineData("CONTENT-LENGTH", KnownHeader.ContentLength)]
    [InlineData("Transfer-Encoding", KnownHeader.TransferEncoding)]
    [InlineData("connection", KnownHeader.Connection)]
    [InlineData("Keep-Alive", KnownHeader.KeepAlive)]
    [InlineData("Proxy-Connection", KnownHeader.ProxyConnection)]
    [InlineData("TE", KnownHeader.Te)]
    [InlineData("Trailer", KnownHeader.Trailer)]
    [InlineData("Upgrade", KnownHeader.Upgrade)]
    [InlineData("Expect", KnownHeader.Expect)]
    [InlineData("X-Forwarded-Proto", KnownHeader.XForwardedProto)]
    [InlineData("x-forwarded-for", KnownHeader.XForwardedFor)]
    [InlineData("X-Request-Id", KnownHeader.XRequestId)]
    [InlineData("x-envoy-attempt-count", KnownHeader.XEnvoyAttemptCount)]
    [InlineData("x-envoy-original-path", KnownHeader.XEnvoyOriginalPath)]
    [InlineData("x-envoy-upstream-service-time", KnownHeader.XEnvoyUpstreamServiceTime)]
    [InlineData("x-envoy-overloaded", KnownHeader.XEnvoyOverloaded)]
    [InlineData("Content-Type", KnownHeader.ContentType)]
    [InlineData("Server", KnownHeader.Server)]
    [InlineData("Date", KnownHeader.Date)]
    [InlineData("Hosts", KnownHeader.None)]
    [InlineData("Content-Lengt", KnownHeader.None)]
    [InlineData("X-Envoy-Attempt-Countx", KnownHeader.None)]
    public void Parse_KnownHeader_IdentifiedByNameIgnoringCase(string name, KnownHeader expected)
    {
        var value = expected switch
        {
            KnownHeader.ContentLength => "0",
            KnownHeader.TransferEncoding => "chunked",
            _ => "v",
        };
        var head = ParseRequest($"POST / HTTP/1.1\r\nHost: h\r\n{name}: {value}\r\n\r\n");

        Assert.Equal(expected, head.HeaderAt(1).Known);
    }

    [Theory]
    [InlineData("Content-Length: 0", 0L)]
    [InlineData("Content-Length: 42", 42L)]
    [InlineData("Content-Length:  \t42\t ", 42L)]
    [InlineData("Content-Length: 007", 7L)]
    [InlineData("Content-Length: 9223372036854775807", long.MaxValue)]
    public void Parse_ContentLength_Parsed(string field, long expected)
    {
        var head = ParseRequest($"POST / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n");

        Assert.Equal(expected, head.ContentLength);
        Assert.False(head.Chunked);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: CHUNKED")]
    [InlineData("transfer-encoding:\tChunked\t")]
    public void Parse_TransferEncodingChunked_SetsChunked(string field)
    {
        var head = ParseRequest($"POST / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n");

        Assert.True(head.Chunked);
        Assert.Equal(-1, head.ContentLength);
        Assert.True(head.HasBody);
    }

    [Theory]
    [InlineData("Connection: close", ConnectionOptions.Close)]
    [InlineData("Connection: keep-alive", ConnectionOptions.KeepAlive)]
    [InlineData("Connection: Keep-Alive, Upgrade\r\nUpgrade: websocket", ConnectionOptions.KeepAlive | ConnectionOptions.Upgrade)]
    [InlineData("Connection: x-foo, ,close", ConnectionOptions.OtherTokens | ConnectionOptions.Close)]
    [InlineData("Connection: te\r\nConnection: CLOSE", ConnectionOptions.OtherTokens | ConnectionOptions.Close)]
    public void Parse_Connection_TokensToOptions(string field, ConnectionOptions expected)
    {
        var head = ParseRequest($"GET / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n");

        Assert.Equal(expected, head.Connection);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    public void Parse_Persistence_FollowsVersionAndConnection(string version, string field, bool persistent)
    {
        var head = ParseRequest($"GET / {version}\r\nHost: h\r\n{field}\r\n");

        Assert.Equal(persistent, Http1Persistence.IsPersistent(head));
    }

    [Theory]
    [InlineData("HTTP/1.1", "Expect: 100-continue", true)]
    [InlineData("HTTP/1.1", "Expect: 100-Continue", true)]
    [InlineData("HTTP/1.1", "Expect: something", false)]
    [InlineData("HTTP/1.0", "Expect: 100-continue", false)]
    public void Parse_Expect_SetsExpectContinueOnlyForHttp11(string version, string field, bool expected)
    {
        var head = ParseRequest($"POST / {version}\r\nHost: h\r\n{field}\r\nContent-Length: 1\r\n\r\n", expectedConsumed: null);

        Assert.Equal(expected, head.ExpectContinue);
    }

    [Theory]
    [InlineData("Host: h")]
    [InlineData("Host: reviews.default.svc.cluster.local:9080")]
    [InlineData("Host: 10.0.0.1")]
    [InlineData("Host: [2001:db8::1]:8080")]
    [InlineData("Host: h:")]
    [InlineData("Host: xn--bcher-kva.example")]
    public void Parse_ValidHost_Accepted(string field)
    {
        var head = ParseRequest($"GET / HTTP/1.1\r\n{field}\r\n\r\n");

        Assert.Equal(field[6..], Text(head, head.Authority));
    }

    [Theory]
    [InlineData("GET http://h/ HTTP/1.1\r\nHost:\r\n\r\n", "h")]
    [InlineData("CONNECT h:443 HTTP/1.1\r\nHost:\r\n\r\n", "h:443")]
    [InlineData("GET / HTTP/1.0\r\nHost:\r\n\r\n", "")]
    public void Parse_EmptyHost_AcceptedWhereAuthorityComesElsewhereOrHttp10(string raw, string authority)
    {
        var head = ParseRequest(raw);

        Assert.Equal(authority, Text(head, head.Authority));
        Assert.Equal(1, head.HostCount);
    }

    [Fact]
    public void Parse_UpgradeWithoutBody_Accepted()
    {
        var head = ParseRequest("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");

        Assert.Equal(ConnectionOptions.Upgrade, head.Connection);
    }

    [Fact]
    public void Parse_H2cUpgradeWithBody_Accepted()
    {
        var head = ParseRequest("POST / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 3\r\n\r\n");

        Assert.Equal(3, head.ContentLength);
    }

    [Fact]
    public void Parse_HundredHeaders_Accepted()
    {
        var fields = string.Concat(Enumerable.Range(0, 99).Select(i => $"X-Header-{i}: value-{i}\r\n"));
        var head = ParseRequest($"GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n");

        Assert.Equal(100, head.HeaderCount);
        Assert.Equal("value-98", Text(head, head.HeaderAt(99).Value));
    }

    [Fact]
    public void Parse_HeadOfExactlyMaxBytes_Accepted()
    {
        var limits = Http1Limits.Default with { MaxHeadBytes = 64 };
        const string Start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
        var raw = Start + new string('a', 64 - Start.Length - 4) + "\r\n\r\n";

        ParseRequest(raw, limits: limits);
        Assert.Equal(Http1Error.HeadersTooLarge, RejectRequest(raw.Replace("X: ", "X: a"), limits));
    }

    [Fact]
    public void Parse_RequestLineOfExactlyMax_AcceptedOneMoreIs414()
    {
        var limits = Http1Limits.Default with { MaxRequestLineBytes = 32 };
        var target = "/" + new string('a', 32 - "GET  HTTP/1.1".Length - 1);
        var raw = $"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n";

        ParseRequest(raw, limits: limits);
        Assert.Equal(Http1Error.RequestLineTooLong, RejectRequest(raw.Replace("/a", "/aa"), limits));
    }

    [Fact]
    public void Parse_ReusedHead_ResetBeforeFilling()
    {
        var head = new HttpRequestHead();
        var first = Sequences.Whole(Sequences.Bytes("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
        var second = Sequences.Whole(Sequences.Bytes("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"));

        Http1RequestParser.TryParseRequest(first, head, Http1Limits.Default, out _, out _);
        var status = Http1RequestParser.TryParseRequest(second, head, Http1Limits.Default, out _, out _);

        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal("/b", Text(head, head.Path));
        Assert.Equal(-1, head.ContentLength);
        Assert.False(head.ExpectContinue);
        Assert.Equal(1, head.HeaderCount);
    }

    [Fact]
    public void Parse_Incomplete_LeavesHeadUntouched()
    {
        var head = ParseRequest("GET /kept HTTP/1.1\r\nHost: h\r\n\r\n");
        var status = Http1RequestParser.TryParseRequest(Sequences.Whole(Sequences.Bytes("GET /other HTTP/1.1\r\n")), head, Http1Limits.Default, out _, out _);

        Assert.Equal(Http1ParseStatus.Incomplete, status);
        Assert.Equal("/kept", Text(head, head.Path));
    }
}
