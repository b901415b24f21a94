using Engine.Http2.Client;

namespace Engine.Tests.Upstream;

/// <summary>
/// The wait before each keep-alive PING is the interval plus Envoy's default jitter (up to 15% of
/// it, drawn afresh each time), so connections opened together do not PING in step.
/// </summary>
public sealed class KeepAliveJitterTests
{
    [Fact]
    public void EachWait_IsTheIntervalPlusUpTo15Percent_SpreadOverThatRange()
    {
        var lifetime = new Http2ClientLifetime { KeepAliveInterval = TimeSpan.FromSeconds(10), KeepAliveTimeout = TimeSpan.FromSeconds(1) };
        var random = new Random(7);
        var waits = Enumerable.Range(0, 2000).Select(_ => lifetime.NextKeepAliveInterval(random)).ToArray();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11.5) - TimeSpan.FromTicks(1)));
        Assert.True(waits.Min() < TimeSpan.FromSeconds(10.1), $"the shortest wait was {waits.Min()}");
        Assert.True(waits.Max() > TimeSpan.FromSeconds(11.4), $"the longest wait was {waits.Max()}");
        Assert.True(waits.Distinct().Count() > 1900, "the waits repeat: no fresh draw each time");
    }

    [Fact]
    public void WithoutAnInterval_NoWait()
        => Assert.Equal(TimeSpan.Zero, new Http2ClientLifetime().NextKeepAliveInterval(new Random(1)));
}
