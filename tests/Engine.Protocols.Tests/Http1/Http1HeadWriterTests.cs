using System.Buffers;
using System.Text;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.HeadParseHarness;

namespace Engine.Protocols.Tests.Http1;

public class Http1HeadWriterTests
{
    [Theory]
    [InlineData(200, "HTTP/1.1 200 OK\r\n")]
    [InlineData(404, "HTTP/1.1 404 Not Found\r\n")]
    [InlineData(431, "HTTP/1.1 431 Request Header Fields Too Large\r\n")]
    [InlineData(503, "HTTP/1.1 503 Service Unavailable\r\n")]
    [InlineData(302, "HTTP/1.1 302 Found\r\n")]
    [InlineData(418, "HTTP/1.1 418 \r\n")]
    [InlineData(999, "HTTP/1.1 999 \r\n")]
    public void WriteStatusLine_Code_LineWithRfcReason(int status, string expected)
    {
        var writer = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteStatusLine(writer, status);

        Assert.Equal(expected, Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void WriteStatusLine_EveryCachedLine_MatchesComputedLine()
    {
        for (var status = 100; status < 600; status++)
        {
            var cached = new ArrayBufferWriter<byte>();
            var computed = new ArrayBufferWriter<byte>();
            Http1HeadWriter.WriteStatusLine(cached, status);
            Http1HeadWriter.WriteStatusLine(computed, status, ReasonPhrases.For(status));
            Assert.Equal(Encoding.ASCII.GetString(computed.WrittenSpan), Encoding.ASCII.GetString(cached.WrittenSpan));
        }
    }

    [Fact]
    public void WriteStatusLine_OutOfRange_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Http1HeadWriter.WriteStatusLine(new ArrayBufferWriter<byte>(), 99, "x"u8));

    [Fact]
    public void WriteHead_ParsedRequest_RoundTripsThroughParser()
    {
        var head = ParseRequest("PURGE /a?b HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\nContent-Length: 0\r\n\r\n");
        var writer = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestLine(writer, head);
        Http1HeadWriter.WriteHeaders(writer, head);
        Http1HeadWriter.WriteEndOfHead(writer);

        var text = Encoding.ASCII.GetString(writer.WrittenSpan);
        Assert.Equal("PURGE /a?b HTTP/1.1\r\nHost: h\r\nX-A: v\r\nContent-Length: 0\r\n\r\n", text);
        Assert.Equal(Describe(head), Describe(ParseRequest(text)));
    }

    [Fact]
    public void WriteRequestLine_KnownMethodWithoutBytes_UsesName()
    {
        var head = new Http.HttpRequestHead { Method = Http.HttpMethod.Delete };
        head.Path = head.Append("/x"u8);
        var writer = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestLine(writer, head);

        Assert.Equal("DELETE /x HTTP/1.1\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Theory]
    [InlineData(0L, "Content-Length: 0\r\n")]
    [InlineData(1234567890123L, "Content-Length: 1234567890123\r\n")]
    public void WriteContentLength_Value_DecimalLine(long length, string expected)
    {
        var writer = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteContentLength(writer, length);

        Assert.Equal(expected, Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void WriteResponse_ThenParse_SameHead()
    {
        var writer = new ArrayBufferWriter<byte>();
        Http1HeadWriter.WriteStatusLine(writer, 502);
        Http1HeadWriter.WriteHeader(writer, "content-type"u8, "text/plain"u8);
        Http1HeadWriter.WriteContentLength(writer, 11);
        Http1HeadWriter.WriteEndOfHead(writer);

        var head = ParseResponse(Encoding.ASCII.GetString(writer.WrittenSpan));

        Assert.Equal(502, head.StatusCode);
        Assert.Equal("Bad Gateway", Text(head, head.Reason));
        Assert.Equal(11, head.ContentLength);
    }
}
