namespace Engine.IntegrationTests.Telemetry;

/// <summary>The scrape test's parser rejects what it should (a lenient parser would prove nothing).</summary>
public sealed class PrometheusTextParserTests
{
    private const string Valid = """
        # HELP requests_total Requests, with a \\ and a \n in the help.
        # TYPE requests_total counter
        requests_total{code="200",path="/a\"b\\c\nd"} 10
        requests_total{code="503"} 3 1700000000000
        # TYPE temperature gauge
        temperature -1.5e3
        # TYPE latency histogram
        latency_bucket{le="0.5"} 1
        latency_bucket{le="1"} 3
        latency_bucket{le="+Inf"} 4
        latency_sum 7.25
        latency_count 4
        # just a comment
        untyped_thing NaN

        """;

    [Fact]
    public void Parse_AValidExposition_ReadsFamiliesLabelsAndValues()
    {
        var scrape = PrometheusTextParser.Parse(Valid.Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.Equal("counter", scrape.Family("requests_total").Type);
        Assert.Equal("Requests, with a \\ and a \n in the help.", scrape.Family("requests_total").Help);
        Assert.Equal(10, scrape.Value("requests_total", ("code", "200"), ("path", "/a\"b\\c\nd")));
        Assert.Equal(3, scrape.Value("requests_total", ("code", "503")));
        Assert.Equal(-1500, scrape.Value("temperature"));
        Assert.Equal("histogram", scrape.Family("latency").Type);
        Assert.Equal(4, scrape.Value("latency_count"));
        Assert.Equal(3, scrape.Value("latency_bucket", ("le", "1")));
        Assert.True(double.IsNaN(scrape.Value("untyped_thing")));
    }

    [Theory]
    [InlineData("no final newline", "a 1")]
    [InlineData("CRLF", "a 1\r\n")]
    [InlineData("interleaved families", "a 1\nb 1\na{x=\"1\"} 2\n")]
    [InlineData("duplicate series", "a{x=\"1\"} 1\na{x=\"1\"} 2\n")]
    [InlineData("TYPE after samples", "a 1\n# TYPE a counter\n")]
    [InlineData("two TYPEs", "# TYPE a counter\n# TYPE a counter\na 1\n")]
    [InlineData("unknown type", "# TYPE a meter\na 1\n")]
    [InlineData("bad escape", "a{x=\"\\t\"} 1\n")]
    [InlineData("unterminated label", "a{x=\"1} 1\n")]
    [InlineData("reserved label", "a{__name__=\"b\"} 1\n")]
    [InlineData("duplicate label", "a{x=\"1\",x=\"2\"} 1\n")]
    [InlineData("bad metric name", "1a 1\n")]
    [InlineData("bad value", "a one\n")]
    [InlineData("negative counter", "# TYPE a counter\na -1\n")]
    [InlineData("histogram without +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("histogram not cumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n")]
    [InlineData("histogram count mismatch", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n")]
    [InlineData("histogram without sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n")]
    [InlineData("bucket without le", "# TYPE h histogram\nh_bucket 2\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n")]
    public void Parse_Rejects(string because, string text)
    {
        var e = Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
        Assert.False(string.IsNullOrEmpty(e.Message), because);
    }
}
