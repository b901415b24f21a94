using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.HeadParseHarness;

namespace Engine.Protocols.Tests.Http1;

public class Http1ResponseParserTests
{
    [Fact]
    public void Parse_OkWithContentLength_FillsHead()
    {
        const string Head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
        var head = ParseResponse(Head + "hello", expectedConsumed: Head.Length);

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("OK", Text(head, head.Reason));
        Assert.Equal(HttpVersion.Http11, head.Version);
        Assert.Equal(5, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.Equal(KnownHeader.ContentType, head.HeaderAt(0).Known);
        Assert.True(Http1Persistence.IsPersistent(head));
    }

    [Theory]
    [InlineData("HTTP/1.1 204\r\n\r\n", 204, "")]
    [InlineData("HTTP/1.1 204 \r\n\r\n", 204, "")]
    [InlineData("HTTP/1.1 404 Not Found\r\n\r\n", 404, "Not Found")]
    [InlineData("HTTP/1.1 200 \tall\tfine \u00e9\r\n\r\n", 200, "\tall\tfine \u00e9")]
    [InlineData("HTTP/1.1 599 Custom\r\n\r\n", 599, "Custom")]
    [InlineData("HTTP/1.1 999 x\r\n\r\n", 999, "x")]
    public void Parse_StatusLine_CodeAndReason(string raw, int status, string reason)
    {
        var head = ParseResponse(raw);

        Assert.Equal(status, head.StatusCode);
        Assert.Equal(reason, Text(head, head.Reason));
    }

    [Fact]
    public void Parse_Chunked_SetsChunked()
    {
        var head = ParseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

        Assert.True(head.Chunked);
        Assert.Equal(-1, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.0 200 OK\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", true)]
    public void Parse_ConnectionFlags_Http10DefaultsToClose(string raw, bool persistent)
        => Assert.Equal(persistent, Http1Persistence.IsPersistent(ParseResponse(raw)));

    [Fact]
    public void Parse_InterimThenFinal_OneHeadPerCall()
    {
        const string Continue = "HTTP/1.1 100 Continue\r\n\r\n";
        var interim = ParseResponse(Continue + "HTTP/1.1 200 OK\r\n\r\n", expectedConsumed: Continue.Length);

        Assert.Equal(100, interim.StatusCode);
        Assert.False(HttpResponseHead.CanHaveBody(Http.HttpMethod.Get, interim.StatusCode));
    }

    [Fact]
    public void Parse_LeadingEmptyLine_NotIgnoredInResponses()
        => Assert.Equal(Http1Error.InvalidStatusLine, RejectResponse("\r\nHTTP/1.1 200 OK\r\n\r\n"));

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", Http1Error.ContentLengthAndTransferEncoding)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", Http1Error.DuplicateContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n", Http1Error.DuplicateContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 4, 4\r\n\r\n", Http1Error.DuplicateContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", Http1Error.InvalidContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", Http1Error.TransferEncodingNotChunked)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Http1Error.UnsupportedTransferEncoding)]
    [InlineData("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Http1Error.TransferEncodingInHttp10)]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", Http1Error.ObsFold)]
    [InlineData("HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n", Http1Error.InvalidHeaderName)]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\u0000\r\n\r\n", Http1Error.InvalidHeaderValue)]
    [InlineData("HTTP/1.1 200 OK\nX-A: a\r\n\r\n", Http1Error.BareLineFeed)]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", Http1Error.BareCarriageReturn)]
    public void Parse_FramingViolations_Rejects502(string raw, Http1Error reason)
        => Assert.Equal(reason, RejectResponse(raw));

    [Theory]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200\tOK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 O\u0001K\r\n\r\n")]
    [InlineData("HTTP/1.1 200 O\u007fK\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("hello world\r\n\r\n")]
    public void Parse_InvalidStatusLine_Rejects502(string raw)
    {
        var error = RejectResponse(raw);
        Assert.Equal(Http1Error.InvalidStatusLine, error);
        Assert.Equal(502, Http1ErrorStatus.StatusFor(error));
    }

    [Theory]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n")]
    public void Parse_UnsupportedVersion_Rejected(string raw)
        => Assert.Equal(Http1Error.UnsupportedVersion, RejectResponse(raw));

    [Fact]
    public void Parse_HundredAndOneHeaders_Rejected()
    {
        var fields = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n"));
        Assert.Equal(Http1Error.TooManyHeaders, RejectResponse($"HTTP/1.1 200 OK\r\n{fields}\r\n"));
    }

    [Fact]
    public void Parse_HeadOver60KiB_Rejected()
        => Assert.Equal(Http1Error.HeadersTooLarge, RejectResponse($"HTTP/1.1 200 OK\r\nSet-Cookie: {new string('c', 60 * 1024)}\r\n\r\n"));
}
