using System.Text.RegularExpressions;
using Engine.Config.Validation;

namespace Engine.Tests.Config;

/// <summary>RE2 syntax acceptance and the .NET translation used to run patterns with RE2 semantics.</summary>
public sealed class Re2PatternTests
{
    [Theory]
    [InlineData("(?P<v>[0-9]+)", "(?<v>[0-9]+)")]
    [InlineData(@"\pL", @"\p{L}")]
    [InlineData(@"\d+", "[0-9]+")]
    [InlineData(@"[\w.]", "[0-9A-Za-z_.]")]
    [InlineData(@"\S", @"[^\t\n\f\r ]")]
    [InlineData("a$", @"a\z")]
    [InlineData("(?m)a$", "(?m)a$")]
    [InlineData("[[:digit:]x]", "[0-9x]")]
    [InlineData(@"\Q*.\E", @"\*\.")]
    [InlineData(@"\x{41}", @"\u0041")]
    [InlineData(@"\101", @"\u0041")]
    [InlineData("[]a]", @"[\]a]")]
    [InlineData("[a-[b]", @"[a-\[b]")]
    [InlineData("a{,3}", @"a\{,3}")]
    public void Translate_Re2Syntax_ToDotNet(string re2, string dotnet)
        => Assert.Equal(dotnet, Re2Pattern.Translate(re2));

    [Theory]
    [InlineData(@"\d", "٣", false)]
    [InlineData(@"\d", "3", true)]
    [InlineData("a$", "a\n", false)]
    [InlineData("a$", "a", true)]
    public void Translate_GivesRe2Semantics(string re2, string input, bool matches)
    {
        var regex = new Regex("^(?:" + Re2Pattern.Translate(re2) + ")$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

        Assert.Equal(matches, regex.IsMatch(input));
    }

    [Theory]
    [InlineData("a+?b*?c??", null)]
    [InlineData("a?+", "possessive")]
    [InlineData("a+??", "nested repetition")]
    [InlineData("(?U)a+", "ungreedy")]
    [InlineData(@"\8", "backreferences")]
    [InlineData(@"[\d-z]", null)]
    [InlineData("(?i:Jason)|(?s).", null)]
    [InlineData("x{1000}", null)]
    [InlineData("x{2,1001}", "invalid repeat count")]
    [InlineData(@"trailing\", "trailing backslash")]
    [InlineData("(?'n'a)", "invalid or unsupported group syntax")]
    [InlineData("(?P<>a)", "invalid named capture group")]
    [InlineData("[[:^alpha:]]", "negated POSIX class")]
    public void Validate_Constructs(string pattern, string? error)
    {
        var result = Re2Pattern.Validate(pattern);

        if (error is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.NotNull(result);
            Assert.Contains(error, result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_CountsUtf8Bytes()
    {
        Assert.Null(Re2Pattern.Validate(new string('é', 512)));
        Assert.StartsWith("regex is too large", Re2Pattern.Validate(new string('é', 513)), StringComparison.Ordinal);
    }
}
