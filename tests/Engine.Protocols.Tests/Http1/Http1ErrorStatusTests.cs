using System.Text;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

public class Http1ErrorStatusTests
{
    [Theory]
    [InlineData(Http1Error.RequestLineTooLong, 414)]
    [InlineData(Http1Error.HeadersTooLarge, 431)]
    [InlineData(Http1Error.TooManyHeaders, 431)]
    [InlineData(Http1Error.UnsupportedTransferEncoding, 501)]
    [InlineData(Http1Error.UnsupportedVersion, 505)]
    [InlineData(Http1Error.ChunkExtensionTooLong, 413)]
    [InlineData(Http1Error.InvalidStatusLine, 502)]
    [InlineData(Http1Error.ContentLengthAndTransferEncoding, 400)]
    [InlineData(Http1Error.BareLineFeed, 400)]
    [InlineData(Http1Error.MissingHost, 400)]
    public void StatusFor_Reason_EnvoyStatus(Http1Error error, int status)
        => Assert.Equal(status, Http1ErrorStatus.StatusFor(error));

    [Fact]
    public void Describe_EveryReason_DistinctAsciiPhrase()
    {
        var seen = new HashSet<string>();
        foreach (var error in Enum.GetValues<Http1Error>())
        {
            var phrase = Http1ErrorStatus.Describe(error);
            Assert.False(phrase.IsEmpty);
            Assert.True(Ascii.IsValid(phrase));
            Assert.NotEqual("http1.codec_error", Encoding.ASCII.GetString(phrase));
            Assert.True(seen.Add(Encoding.ASCII.GetString(phrase)), $"{error} shares its phrase");
            Assert.InRange(Http1ErrorStatus.StatusFor(error), 200, 505);
        }
    }
}
