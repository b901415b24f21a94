using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.HeadParseHarness;

namespace Engine.Protocols.Tests.Http1;

/// <summary>robustness.md §1.5, category by category: each shape, the reason, and the status the client gets.</summary>
public class Http1RequestRejectionTests
{
    private const string Get = "GET / HTTP/1.1\r\nHost: h\r\n";
    private const string Post = "POST / HTTP/1.1\r\nHost: h\r\n";

    private static void AssertRejected(string raw, Http1Error reason, int status)
    {
        var error = RejectRequest(raw);
        Assert.Equal(reason, error);
        Assert.Equal(status, Http1ErrorStatus.StatusFor(error));
    }

    // §1.5 #1 CL + TE.
    [Theory]
    [InlineData(Post + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData(Post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n")]
    [InlineData(Post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n")]
    [InlineData(Post + "Content-Length: 4\r\nTransfer-Encoding: gzip\r\n\r\n")]
    public void Parse_ContentLengthAndTransferEncoding_Rejects400(string raw)
        => AssertRejected(raw, Http1Error.ContentLengthAndTransferEncoding, 400);

    // §1.5 #2 duplicate / list CL: identical duplicates rejected too (Kestrel parity, documented choice).
    [Theory]
    [InlineData(Post + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData(Post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n")]
    [InlineData(Post + "Content-Length: 5, 5\r\n\r\n")]
    [InlineData(Post + "Content-Length: 5,5\r\n\r\n")]
    [InlineData(Post + "Content-Length: 5,\r\n\r\n")]
    [InlineData(Post + "Content-Length: ,5\r\n\r\n")]
    [InlineData(Post + "Content-Length:\r\nContent-Length: 5\r\n\r\n")]
    [InlineData(Post + "content-length: 5\r\nCONTENT-LENGTH: 5\r\n\r\n")]
    public void Parse_DuplicateContentLength_Rejects400(string raw)
    {
        var error = RejectRequest(raw);
        Assert.True(error is Http1Error.DuplicateContentLength or Http1Error.InvalidContentLength, error.ToString());
        Assert.Equal(400, Http1ErrorStatus.StatusFor(error));
    }

    // §1.5 #3 invalid CL syntax.
    [Theory]
    [InlineData("+5")]
    [InlineData("-1")]
    [InlineData("0x5")]
    [InlineData("5 5")]
    [InlineData("")]
    [InlineData("1_0")]
    [InlineData("5.0")]
    [InlineData("\"5\"")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999")]
    [InlineData("000000000000000000001")]
    [InlineData("\u00d9\u00a5")]
    public void Parse_InvalidContentLength_Rejects400(string value)
        => AssertRejected($"{Post}Content-Length: {value}\r\n\r\n", Http1Error.InvalidContentLength, 400);

    // §1.5 #4 TE whose final coding is not chunked (RFC 9112 §6.3 r4: MUST 400).
    [Theory]
    [InlineData("chunked, identity")]
    [InlineData("gzip")]
    [InlineData("identity")]
    [InlineData("chunk")]
    [InlineData("chunkedchunked")]
    [InlineData("xchunked")]
    [InlineData("'chunked'")]
    [InlineData("chunked\r\nTransfer-Encoding: gzip")]
    public void Parse_TransferEncodingNotEndingInChunked_Rejects400(string value)
        => AssertRejected($"{Post}Transfer-Encoding: {value}\r\n\r\n", Http1Error.TransferEncodingNotChunked, 400);

    // §1.5 #4 a coding we do not implement before the final chunked → 501.
    [Theory]
    [InlineData("identity, chunked")]
    [InlineData("gzip, chunked")]
    [InlineData("gzip\r\nTransfer-Encoding: chunked")]
    public void Parse_UnsupportedCodingBeforeChunked_Rejects501(string value)
        => AssertRejected($"{Post}Transfer-Encoding: {value}\r\n\r\n", Http1Error.UnsupportedTransferEncoding, 501);

    [Theory]
    [InlineData("chunked, chunked")]
    [InlineData("chunked\r\nTransfer-Encoding: chunked")]
    [InlineData("gzip, chunked, chunked")]
    public void Parse_ChunkedTwice_Rejects400(string value)
        => AssertRejected($"{Post}Transfer-Encoding: {value}\r\n\r\n", Http1Error.ChunkedAppliedTwice, 400);

    // §1.5 #4–5 TE lookalikes that are not a plain list of tokens.
    [Theory]
    [InlineData("\"chunked\"")]
    [InlineData("")]
    [InlineData(", chunked")]
    [InlineData("chunked,")]
    [InlineData("chunked, ,chunked")]
    [InlineData("chunked;q=1")]
    [InlineData("chun ked")]
    [InlineData("chunked\u00ff")]
    public void Parse_TransferEncodingNotTokenList_Rejects400(string value)
        => AssertRejected($"{Post}Transfer-Encoding: {value}\r\n\r\n", Http1Error.InvalidTransferEncoding, 400);

    // §1.5 #5 name/value whitespace and CTL obfuscation.
    [Theory]
    [InlineData(Post + "Transfer-Encoding : chunked\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData(Post + "Transfer-Encoding\t: chunked\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData(Post + "\tTransfer-Encoding: chunked\r\n\r\n", Http1Error.ObsFold)]
    [InlineData(Post + " Transfer-Encoding: chunked\r\n\r\n", Http1Error.ObsFold)]
    [InlineData(Post + "Transfer-Encoding:\u000bchunked\r\n\r\n", Http1Error.InvalidHeaderValue)]
    [InlineData(Post + "Transfer-Encoding:\u000cchunked\r\n\r\n", Http1Error.InvalidHeaderValue)]
    [InlineData(Post + "Transfer-Encoding: chunked\u000b\r\n\r\n", Http1Error.InvalidHeaderValue)]
    [InlineData(Post + "Transf\u0082r-Encoding: chunked\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData(Post + "Transfer-Encoding\u000b: chunked\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData(Post + "Transfer_Encoding: chunked\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", Http1Error.DuplicateContentLength)]
    [InlineData(Post + "Transfer-Encoding: chunked\r\r\n\r\n", Http1Error.BareCarriageReturn)]
    [InlineData(Post + "Content-Length : 5\r\n\r\n", Http1Error.InvalidHeaderName)]
    public void Parse_TransferEncodingObfuscation_Rejects400(string raw, Http1Error reason)
        => AssertRejected(raw, reason, 400);

    // §1.5 #6.
    [Fact]
    public void Parse_Http10WithTransferEncoding_Rejects400()
        => AssertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Http1Error.TransferEncodingInHttp10, 400);

    // §1.5 #9 bare LF / bare CR anywhere in the head.
    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: h\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n\n", Http1Error.BareLineFeed)]
    [InlineData("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\rHost: h\r\n\r\n", Http1Error.BareCarriageReturn)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", Http1Error.BareCarriageReturn)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", Http1Error.BareCarriageReturn)]
    [InlineData("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.BareCarriageReturn)]
    public void Parse_BareLineFeedOrCarriageReturn_Rejects400(string raw, Http1Error reason)
        => AssertRejected(raw, reason, 400);

    // §1.5 #10.
    [Theory]
    [InlineData(Get + "X-A: a\r\n b\r\n\r\n")]
    [InlineData(Get + "X-A: a\r\n\tb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n Host: h\r\n\r\n")]
    public void Parse_ObsFold_Rejects400(string raw)
        => AssertRejected(raw, Http1Error.ObsFold, 400);

    // §1.5 #11.
    [Theory]
    [InlineData("Fo@: v")]
    [InlineData("a b: v")]
    [InlineData("\u0080X: v")]
    [InlineData(": v")]
    [InlineData("X y")]
    [InlineData("NoColon")]
    [InlineData("X(y): v")]
    [InlineData("X\"y: v")]
    [InlineData("X/y: v")]
    [InlineData("X[y]: v")]
    [InlineData("X{y}: v")]
    [InlineData("X\u007fy: v")]
    [InlineData("X\u0000y: v")]
    public void Parse_InvalidHeaderName_Rejects400(string field)
        => AssertRejected($"{Get}{field}\r\n\r\n", Http1Error.InvalidHeaderName, 400);

    // §1.5 #12.
    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("\u0000")]
    [InlineData("a\u0001")]
    [InlineData("a\u0008")]
    [InlineData("a\u000cb")]
    [InlineData("a\u001fb")]
    [InlineData("a\u007fb")]
    [InlineData("\u001b[31m")]
    public void Parse_InvalidHeaderValue_Rejects400(string value)
        => AssertRejected($"{Get}X-A: {value}\r\n\r\n", Http1Error.InvalidHeaderValue, 400);

    // §1.5 #14 Host.
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", Http1Error.MissingHost)]
    [InlineData("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", Http1Error.MissingHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Http1Error.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", Http1Error.MultipleHost)]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", Http1Error.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: user@host\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: host/path\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: h:80:80\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: h:123456\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: :80\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: []\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\u00e9\r\n\r\n", Http1Error.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: h?x\r\n\r\n", Http1Error.InvalidHost)]
    public void Parse_HostRules_Rejects400(string raw, Http1Error reason)
        => AssertRejected(raw, reason, 400);

    // §1.5 #15 request-line grammar.
    [Theory]
    [InlineData("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET / http/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET / HTTP/11\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET / HTTP/10.0\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET /\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine)]
    [InlineData("\r\n\r\n", Http1Error.InvalidRequestLine)]
    public void Parse_RequestLineGrammar_Rejects400(string raw, Http1Error reason)
        => AssertRejected(raw, reason, 400);

    [Theory]
    [InlineData("HTTP/1.2")]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.0")]
    public void Parse_UnsupportedVersion_Rejects505(string version)
        => AssertRejected($"GET / {version}\r\nHost: h\r\n\r\n", Http1Error.UnsupportedVersion, 505);

    [Theory]
    [InlineData("/a#frag")]
    [InlineData("/a\"b")]
    [InlineData("/a<b")]
    [InlineData("/a>b")]
    [InlineData("/a\\b")]
    [InlineData("/a^b")]
    [InlineData("/a`b")]
    [InlineData("/a{b}")]
    [InlineData("/a|b")]
    [InlineData("/a\u007f")]
    [InlineData("/a\u0000")]
    [InlineData("/a\u0001")]
    [InlineData("/caf\u00e9")]
    [InlineData("a/b")]
    [InlineData("*")]
    [InlineData("example.com:80")]
    [InlineData("ftp://h/a")]
    [InlineData("http:/h/a")]
    [InlineData("http://")]
    [InlineData("http:///a")]
    [InlineData("http://user@h/a")]
    [InlineData("http://h,i/a")]
    public void Parse_InvalidRequestTarget_Rejects400(string target)
        => AssertRejected($"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestTarget, 400);

    [Theory]
    [InlineData("CONNECT / HTTP/1.1\r\nHost: h:1\r\n\r\n")]
    [InlineData("CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("CONNECT http://h:1/ HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("CONNECT * HTTP/1.1\r\nHost: h\r\n\r\n")]
    public void Parse_ConnectNotAuthorityForm_Rejects400(string raw)
        => AssertRejected(raw, Http1Error.InvalidRequestTarget, 400);

    [Fact]
    public void Parse_RequestTarget17KiB_Rejects414()
        => AssertRejected($"GET /{new string('a', 17 * 1024)} HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.RequestLineTooLong, 414);

    [Fact]
    public void Parse_RequestLineTooLongWithoutEnd_Rejects414BeforeLineEnds()
    {
        var head = new Http.HttpRequestHead();
        var partial = Sequences.Whole(Sequences.Bytes("GET /" + new string('a', 16 * 1024)));

        var status = Http1RequestParser.TryParseRequest(partial, head, Http1Limits.Default, out _, out var error);

        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1Error.RequestLineTooLong, error);
    }

    // §3.3 limits.
    [Fact]
    public void Parse_HundredAndOneHeaders_Rejects431()
    {
        var fields = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: v\r\n"));
        AssertRejected($"{Get}{fields}\r\n", Http1Error.TooManyHeaders, 431);
    }

    [Fact]
    public void Parse_HeadOver60KiB_Rejects431()
        => AssertRejected($"{Get}Cookie: {new string('c', 60 * 1024)}\r\n\r\n", Http1Error.HeadersTooLarge, 431);

    [Fact]
    public void Parse_HeadOver60KiBNeverEnding_Rejects431WhileIncomplete()
    {
        var head = new Http.HttpRequestHead();
        var partial = Sequences.Whole(Sequences.Bytes($"{Get}Cookie: {new string('c', 61 * 1024)}"));

        var status = Http1RequestParser.TryParseRequest(partial, head, Http1Limits.Default, out _, out var error);

        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1Error.HeadersTooLarge, error);
    }

    [Fact]
    public void Parse_TooManyHeadersNeverEnding_Rejects431WhileIncomplete()
    {
        var head = new Http.HttpRequestHead();
        var fields = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n"));
        var partial = Sequences.Whole(Sequences.Bytes($"GET / HTTP/1.1\r\n{fields}"));

        var status = Http1RequestParser.TryParseRequest(partial, head, Http1Limits.Default, out _, out var error);

        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1Error.TooManyHeaders, error);
    }

    // §1.5 #17.
    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void Parse_UpgradeWithBody_Rejects400(string raw)
        => AssertRejected(raw, Http1Error.UpgradeWithBody, 400);

    [Theory]
    [InlineData("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void Parse_ConnectWithBody_Rejects400(string raw)
        => AssertRejected(raw, Http1Error.ConnectWithBody, 400);
}
