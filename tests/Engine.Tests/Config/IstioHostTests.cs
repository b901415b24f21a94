using Engine.Config;

namespace Engine.Tests.Config;

public sealed class IstioHostTests
{
    [Theory]
    [InlineData("reviews", "default", "reviews.default.svc.cluster.local")]
    [InlineData("Reviews", "default", "reviews.default.svc.cluster.local")]
    [InlineData("reviews", "nsA", "reviews.nsa.svc.cluster.local")]
    [InlineData("reviews.prod", "default", "reviews.prod")]
    [InlineData("reviews.prod.svc.cluster.local", "default", "reviews.prod.svc.cluster.local")]
    [InlineData("www.GoogleApis.com", "default", "www.googleapis.com")]
    [InlineData("*", "default", "*")]
    [InlineData("*.foo.com", "default", "*.foo.com")]
    [InlineData("10.0.0.1", "default", "10.0.0.1")]
    [InlineData("::1", "default", "::1")]
    [InlineData("", "default", "")]
    public void ResolveShortName_AsIstioDoes(string host, string ns, string expected)
        => Assert.Equal(expected, IstioHost.ResolveShortName(host, ns));

    [Fact]
    public void ResolveShortName_CustomDomainSuffix()
        => Assert.Equal("reviews.default.svc.example.internal", IstioHost.ResolveShortName("reviews", "default", "example.internal"));

    [Theory]
    [InlineData("*.foo.com", "a.foo.com", true)]
    [InlineData("*.foo.com", "a.b.foo.com", true)]
    [InlineData("*.foo.com", "foo.com", false)]
    [InlineData("*", "anything.example", true)]
    [InlineData("*", "*.foo.com", true)]
    [InlineData("*.foo.com", "*.com", true)]
    [InlineData("*.foo.com", "*.bar.com", false)]
    [InlineData("a.foo.com", "A.FOO.com", true)]
    [InlineData("a.foo.com", "b.foo.com", false)]
    [InlineData("*foo.com", "barfoo.com", true)]
    public void Matches_WildcardRules_Symmetric(string a, string b, bool expected)
    {
        Assert.Equal(expected, IstioHost.Matches(a, b));
        Assert.Equal(expected, IstioHost.Matches(b, a));
    }

    [Theory]
    [InlineData("a.foo.com", "*.foo.com", true)]
    [InlineData("*.foo.com", "a.foo.com", false)]
    [InlineData("*.a.foo.com", "*.foo.com", true)]
    [InlineData("*.foo.com", "*.a.foo.com", false)]
    [InlineData("a.foo.com", "a.foo.com", true)]
    public void SubsetOf_IsOneDirectional(string a, string b, bool expected)
        => Assert.Equal(expected, IstioHost.SubsetOf(a, b));

    [Fact]
    public void MostSpecificMatch_ExactBeatsLongestWildcardBeatsShorter()
    {
        string[] candidates = ["*", "*.com", "*.foo.com", "a.foo.com"];

        Assert.Equal("a.foo.com", IstioHost.MostSpecificMatch("a.foo.com", candidates));
        Assert.Equal("*.foo.com", IstioHost.MostSpecificMatch("b.foo.com", candidates));
        Assert.Equal("*.com", IstioHost.MostSpecificMatch("bar.com", candidates));
        Assert.Equal("*", IstioHost.MostSpecificMatch("localhost", candidates));
        Assert.Null(IstioHost.MostSpecificMatch("localhost", ["*.com"]));
        Assert.Equal("*.foo.com", IstioHost.MostSpecificMatch("*.x.foo.com", candidates));
    }

    [Fact]
    public void IsMoreSpecific_PlainBeatsWildcardLongerBeatsShorter()
    {
        Assert.True(IstioHost.IsMoreSpecific("a.com", "*.a.com"));
        Assert.True(IstioHost.IsMoreSpecific("*.b.a.com", "*.a.com"));
        Assert.False(IstioHost.IsMoreSpecific("*", "*.a.com"));
    }
}
