using System.Text;
using Engine.Routing;

namespace Engine.Tests.Routing;

public sealed class ByteMatcherTests
{
    private static bool Match(ByteMatcher matcher, string value) => matcher.Matches(Encoding.UTF8.GetBytes(value));

    [Theory]
    [InlineData("/a", "/a", true)]
    [InlineData("/a", "/A", false)]
    [InlineData("/a", "/ab", false)]
    public void Exact(string value, string input, bool expected) => Assert.Equal(expected, Match(ByteMatcher.Exact(value), input));

    [Theory]
    [InlineData("/Api", "/api/x", true)]
    [InlineData("/api", "/API/x", true)]
    [InlineData("/api", "/ap", false)]
    public void IgnoreCase_AppliesToExactAndPrefix(string value, string input, bool expected)
        => Assert.Equal(expected, Match(ByteMatcher.Prefix(value, ignoreCase: true), input));

    [Theory]
    [InlineData("[a-z]+", "abc", true)]
    [InlineData("[a-z]+", "abc1", false)] // full match, not a search
    [InlineData("b", "abc", false)]
    [InlineData("a|b", "b", true)]        // alternation is anchored as a whole
    [InlineData("(?i)jason", "JASON", true)]
    [InlineData(".*", "", true)]
    public void Regex_IsAFullMatch(string pattern, string input, bool expected) => Assert.Equal(expected, Match(ByteMatcher.Regex(pattern), input));

    [Fact]
    public void Regex_MatchesLongValues_BeyondTheStackBuffer()
    {
        var matcher = ByteMatcher.Regex("a+");

        Assert.True(Match(matcher, new string('a', 10_000)));
        Assert.False(Match(matcher, new string('a', 10_000) + "b"));
    }

    [Fact]
    public void Regex_IsLinearTime_OnAPathologicalPattern()
    {
        // Catastrophic for a backtracking engine; NonBacktracking answers at once.
        var matcher = ByteMatcher.Regex("(a+)+b");

        Assert.False(Match(matcher, new string('a', 50_000)));
    }

    [Fact]
    public void Present_MatchesAnything() => Assert.True(Match(ByteMatcher.Present(), string.Empty));
}
