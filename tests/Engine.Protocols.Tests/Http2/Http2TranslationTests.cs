using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Hpack;

namespace Engine.Protocols.Tests.Http2;

/// <summary>RFC 9113 §8.2.2, §8.2.3: what changes between HTTP/1.1 and HTTP/2 heads.</summary>
public class Http2TranslationTests
{
    [Theory]
    [InlineData("Connection", "close", true)]
    [InlineData("Keep-Alive", "timeout=5", true)]
    [InlineData("Proxy-Connection", "keep-alive", true)]
    [InlineData("Transfer-Encoding", "chunked", true)]
    [InlineData("Upgrade", "h2c", true)]
    [InlineData("Host", "reviews", true)]
    [InlineData("TE", "gzip", true)]
    [InlineData("TE", "trailers", false)]
    [InlineData("TE", "deflate, trailers;q=1", false)]
    [InlineData("Content-Type", "text/plain", false)]
    [InlineData("X-Custom", "1", false)]
    public void IsDroppedForHttp2_Table(string name, string value, bool dropped)
    {
        var head = Heads.Request("GET", "http", "a", "/", (name, value));
        Assert.Equal(dropped, Http2HeaderTranslation.IsDroppedForHttp2(head, head.Headers[0]));
    }

    [Fact]
    public void IsDroppedForHttp2_FieldsNamedByConnection()
    {
        var head = Heads.Request("GET", "http", "a", "/", ("Connection", "X-Hop-A"), ("Connection", " x-hop-b , close"), ("X-Hop-A", "1"), ("x-hop-b", "2"), ("X-Keep", "3"));
        head.Connection = ConnectionOptions.Close | ConnectionOptions.OtherTokens;
        var kept = new List<string>();
        foreach (var field in head.Headers)
        {
            if (!Http2HeaderTranslation.IsDroppedForHttp2(head, field))
            {
                kept.Add(Encoding.ASCII.GetString(head.Span(field.Name)));
            }
        }

        Assert.Equal(["X-Keep"], kept);
    }

    [Fact]
    public void JoinCookies_ConcatenatesCrumbsInOrder_InPlace()
    {
        var head = Heads.Request("GET", "http", "a", "/", ("cookie", "a=1"), ("x", "y"), ("cookie", "b=2"), ("cookie", "c=3"));
        Http2HeaderTranslation.JoinCookies(head);
        Assert.Equal([("cookie", "a=1; b=2; c=3"), ("x", "y")], Heads.Fields(head));
    }

    [Fact]
    public void JoinCookies_OneOrNone_Untouched()
    {
        var head = Heads.Request("GET", "http", "a", "/", ("cookie", "a=1"), ("x", "y"));
        var arena = head.ArenaLength;
        Http2HeaderTranslation.JoinCookies(head);
        Assert.Equal([("cookie", "a=1"), ("x", "y")], Heads.Fields(head));
        Assert.Equal(arena, head.ArenaLength);
    }
}
