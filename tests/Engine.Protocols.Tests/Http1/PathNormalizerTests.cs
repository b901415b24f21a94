using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.HeadParseHarness;

namespace Engine.Protocols.Tests.Http1;

public class PathNormalizerTests
{
    [Theory]
    // RFC 3986 §5.2.4 and §5.4 examples.
    [InlineData("/a/b/c/./../../g", "/a/g")]
    [InlineData("/mid/content=5/../6", "/mid/6")]
    [InlineData("/../a", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("/a/.", "/a/")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/a/b/../../../../c", "/c")]
    [InlineData("/..", "/")]
    [InlineData("/.", "/")]
    [InlineData("/./a/b", "/a/b")]
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/a/b/../", "/a/")]
    [InlineData("/a/..b/c", "/a/..b/c")]
    [InlineData("/a/b.../c", "/a/b.../c")]
    [InlineData("/a/.../c", "/a/.../c")]
    // Already normal, unchanged.
    [InlineData("/", "/")]
    [InlineData("/xyz", "/xyz")]
    [InlineData("/x/y/z/", "/x/y/z/")]
    [InlineData("/A/B/C", "/A/B/C")]
    // BASE keeps "//" (no merge) and every escape but an escaped dot.
    [InlineData("/a//b", "/a//b")]
    [InlineData("//a/../b", "//b")]
    [InlineData("/a//..", "/a/")]
    [InlineData("/a/%2F%2f/c", "/a/%2F%2f/c")]
    [InlineData("/%5c%25", "/%5c%25")]
    [InlineData("/%c0%af", "/%c0%af")]
    [InlineData("/a/b/%2E%2E/c", "/a/c")]
    [InlineData("/a/b/%2e%2e/c", "/a/c")]
    [InlineData("/a/b/%2E./c", "/a/c")]
    [InlineData("/a/b/.%2e/c", "/a/c")]
    [InlineData("/a/b/%2E/c", "/a/b/c")]
    [InlineData("/a/%2e%2e%2e/c", "/a/%2e%2e%2e/c")]
    [InlineData("/a/%2ex/c", "/a/%2ex/c")]
    // Backslash is a slash (Envoy's canonicaliser).
    [InlineData("/a/..\\c", "/c")]
    [InlineData("\\a\\b", "/a/b")]
    // Not a path: left alone.
    [InlineData("*", "*")]
    [InlineData("h:443", "h:443")]
    public void Normalize_Path_RemovesDotSegments(string path, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(path);
        var queryOffset = -1;

        var length = PathNormalizer.Normalize(bytes, ref queryOffset);

        Assert.Equal(expected, Encoding.ASCII.GetString(bytes, 0, length));
        Assert.Equal(-1, queryOffset);
    }

    [Theory]
    [InlineData("/a/../b?x=/../y&z=./", "/b?x=/../y&z=./", 2)]
    [InlineData("/a/./?", "/a/?", 3)]
    [InlineData("/..?q", "/?q", 1)]
    [InlineData("/a?../", "/a?../", 2)]
    public void Normalize_PathWithQuery_QueryKeptUntouched(string target, string expected, int expectedQueryOffset)
    {
        var bytes = Encoding.ASCII.GetBytes(target);
        var queryOffset = target.IndexOf('?');

        var length = PathNormalizer.Normalize(bytes, ref queryOffset);

        Assert.Equal(expected, Encoding.ASCII.GetString(bytes, 0, length));
        Assert.Equal(expectedQueryOffset, queryOffset);
    }

    [Theory]
    [InlineData("/a/%00/b")]
    [InlineData("/xyz/.%00../abc")]
    public void Normalize_EscapedNul_Invalid(string path)
    {
        var bytes = Encoding.ASCII.GetBytes(path);
        var queryOffset = -1;

        Assert.Equal(-1, PathNormalizer.Normalize(bytes, ref queryOffset));
    }

    [Fact]
    public void TryNormalize_ParsedHead_UpdatesPathAndQueryInArena()
    {
        var head = ParseRequest("GET /a/b/../c/./d?x=../1 HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.True(PathNormalizer.TryNormalize(head));

        Assert.Equal("/a/c/d?x=../1", Text(head, head.Path));
        Assert.Equal("/a/c/d"u8, head.PathOnly);
        Assert.Equal("x=../1"u8, head.Query);
        Assert.Equal("h", Text(head, head.Authority));
    }

    [Fact]
    public void TryNormalize_EscapedNul_ReturnsFalse()
    {
        var head = ParseRequest("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.False(PathNormalizer.TryNormalize(head));
        Assert.Equal(400, Http1ErrorStatus.StatusFor(Http1Error.InvalidPath));
    }
}
