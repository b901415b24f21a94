using System.Text;
using Engine.Protocols.Http;
using Engine.Proxy;
using Engine.Routing.Policies;
using Engine.Tests.Routing;

namespace Engine.Tests.Proxy;

/// <summary>Envoy's request control headers read from a parsed head, consumed, and applied to a route's retry policy.</summary>
public sealed class RouterControlsTests
{
    private static string[] Names(HttpRequestHead head)
    {
        var names = new string[head.HeaderCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = Encoding.ASCII.GetString(head.NameOf(i));
        }

        return names;
    }

    [Fact]
    public void Take_NoControlHeaders_ChangesNothing()
    {
        var head = RequestHeads.Parse("GET", "svc", "/", ("accept", "*/*"), ("x-envoy-attempt-count", "3"));

        var controls = RouterControls.Take(head);

        Assert.Equal(RouterControls.None.TimeoutMs, controls.TimeoutMs);
        Assert.Equal(-1, controls.MaxRetries);
        Assert.Equal(-1, controls.GrpcTimeoutMs);
        Assert.Equal(RetryOn.None, controls.RetryOn);
        Assert.Equal(["Host", "accept", "x-envoy-attempt-count"], Names(head));
    }

    [Fact]
    public void Take_ReadsEveryControl_AndRemovesTheEnvoyOnes_KeepingGrpcTimeout()
    {
        var head = RequestHeads.Parse(
            "POST",
            "svc",
            "/",
            ("X-Envoy-Upstream-Rq-Timeout-Ms", "1500"),
            ("a", "1"),
            ("x-envoy-upstream-rq-per-try-timeout-ms", "200"),
            ("x-envoy-max-retries", "4"),
            ("x-envoy-retry-on", "5xx,reset"),
            ("x-envoy-retry-grpc-on", "resource-exhausted"),
            ("x-envoy-retriable-status-codes", "418, 429"),
            ("grpc-timeout", "250m"),
            ("x-envoy-expected-rq-timeout-ms", "77"),
            ("b", "2"));

        var controls = RouterControls.Take(head);

        Assert.Equal(1500, controls.TimeoutMs);
        Assert.Equal(200, controls.PerTryTimeoutMs);
        Assert.Equal(4, controls.MaxRetries);
        Assert.Equal(RetryOn.FiveXx | RetryOn.Reset | RetryOn.ResourceExhausted, controls.RetryOn);
        Assert.Equal(250, controls.GrpcTimeoutMs);
        Assert.True(controls.NamesStatus(head, 418));
        Assert.True(controls.NamesStatus(head, 429));
        Assert.False(controls.NamesStatus(head, 503));

        // Consumed as Envoy consumes them; grpc-timeout and an incoming expected timeout are not.
        Assert.Equal(["Host", "a", "grpc-timeout", "x-envoy-expected-rq-timeout-ms", "b"], Names(head));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("")]
    public void Take_MalformedNumbers_AreIgnored_ButStillConsumed(string value)
    {
        var head = RequestHeads.Parse("GET", "svc", "/", ("x-envoy-upstream-rq-timeout-ms", value), ("x-envoy-max-retries", value), ("grpc-timeout", value + "Q"));

        var controls = RouterControls.Take(head);

        Assert.Equal(-1, controls.TimeoutMs);
        Assert.Equal(-1, controls.MaxRetries);
        Assert.Equal(-1, controls.GrpcTimeoutMs);
        Assert.Equal(["Host", "grpc-timeout"], Names(head));
    }

    [Fact]
    public void Take_ParsedHeadsKnowTheirControlHeaders_WithoutALookUp()
    {
        var plain = RequestHeads.Parse("GET", "svc", "/", ("x-envoy-retry", "no"));
        var controlled = RequestHeads.Parse("GET", "svc", "/", ("x-envoy-max-retries", "1"));

        Assert.False(plain.MayContainAny(HttpHead.MaskOf(KnownHeader.XEnvoyMaxRetries)));
        Assert.True(controlled.MayContainAny(HttpHead.MaskOf(KnownHeader.XEnvoyMaxRetries)));
        controlled.Reset();
        Assert.False(controlled.MayContainAny(HttpHead.MaskOf(KnownHeader.XEnvoyMaxRetries)));
    }

    [Theory]
    // route attempts/on, header max-retries, header retry-on → retries allowed
    [InlineData("default", -1, (int)RetryOn.None, 2)]               // Istio's default policy: 2
    [InlineData("default", 5, (int)RetryOn.None, 5)]                // x-envoy-max-retries replaces the count
    [InlineData("default", 0, (int)RetryOn.None, 0)]                // ...down to none
    [InlineData("default", -1, (int)RetryOn.FiveXx, 2)]             // more conditions, same count
    [InlineData("disabled", -1, (int)RetryOn.None, 0)]              // attempts: 0, no header: no retry
    [InlineData("disabled", 3, (int)RetryOn.None, 0)]               // a count with no condition does nothing
    [InlineData("disabled", -1, (int)RetryOn.FiveXx, 1)]            // Envoy's default count for a header condition: 1
    [InlineData("disabled", 3, (int)RetryOn.FiveXx, 3)]
    public void MaxRetriesFor(string route, int maxRetries, int headerOn, int expected)
    {
        var policy = route == "default" ? RetryPolicy.IstioDefault : RetryPolicy.Disabled;
        var controls = RouterControls.None;
        controls.MaxRetries = maxRetries;
        controls.RetryOn = (RetryOn)headerOn;

        Assert.Equal(expected, controls.MaxRetriesFor(policy));
        Assert.Equal(policy.On | (RetryOn)headerOn, controls.RetryOnFor(policy));
    }
}
