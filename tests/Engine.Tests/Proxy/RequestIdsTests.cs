using System.Text;
using System.Text.RegularExpressions;
using Engine.Proxy;

namespace Engine.Tests.Proxy;

public sealed class RequestIdsTests
{
    /// <summary>The hand-written formatter against the BCL's: the same text for any 16 bytes.</summary>
    [Fact]
    public void WriteHex_MatchesGuidFormatting_ForRandomBytes()
    {
        var random = new Random(12345);
        var bytes = new byte[16];
        var text = new byte[RequestIds.Length];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(bytes);
            RequestIds.WriteHex(bytes, text);
            Assert.Equal(new Guid(bytes, bigEndian: true).ToString("D"), Encoding.ASCII.GetString(text));
        }
    }

    [Fact]
    public void NewUuid_IsVersion4WithTheRfcVariant_AndDiffersEachTime()
    {
        var seen = new HashSet<string>();
        var text = new byte[RequestIds.Length];
        for (var i = 0; i < 1000; i++)
        {
            RequestIds.NewUuid(text);
            var id = Encoding.ASCII.GetString(text);
            Assert.Matches(new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), id);
            Assert.True(seen.Add(id), "repeated id " + id);
        }
    }
}
