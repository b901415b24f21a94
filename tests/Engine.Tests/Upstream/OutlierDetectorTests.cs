using System.Net;
using Engine.Upstream;
using Engine.Upstream.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Upstream;

public sealed class OutlierDetectorTests
{
    private static readonly UpstreamConnector Connector = new(Engine.Transport.SocketTransports.CreateUpstreamFactory(new Engine.Transport.TransportSettings()));

    private static Endpoint[] Endpoints(int count) => Enumerable.Range(0, count).Select(i =>
    {
        var address = new IPEndPoint(IPAddress.Loopback, 30_000 + i);
        return new Endpoint(address, new Dictionary<string, string>(), 1, new Http1ConnectionPool(address, Connector, UpstreamPoolSettings.Default));
    }).ToArray();

    /// <summary>
    /// Moves the clock a second at a time, as real time passes: FakeTimeProvider.Advance jumps to
    /// the end first and then fires the periodic timer for every missed tick, all seeing the final
    /// time — which is not what an interval timer ever sees.
    /// </summary>
    internal static void Pass(FakeTimeProvider time, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static OutlierSettings Settings(int consecutive = 1, int maxEjectionPercent = 100, int minHealthPercent = 0)
        => new(consecutive, 0, 5, false, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5), maxEjectionPercent, minHealthPercent, []);

    [Fact]
    public void ConsecutiveErrors_Eject_AndASuccessInBetweenResetsTheCount()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(consecutive: 3), time);
        var endpoints = Endpoints(2);
        detector.Bind(endpoints);

        detector.RecordResponse(endpoints[0], 500);
        detector.RecordResponse(endpoints[0], 500);
        detector.RecordResponse(endpoints[0], 200);
        detector.RecordResponse(endpoints[0], 503);
        detector.RecordResponse(endpoints[0], 502);
        Assert.Equal(2, detector.Healthy.Length);

        detector.RecordResponse(endpoints[0], 500);
        Assert.Equal([endpoints[1]], detector.Healthy);
    }

    [Fact]
    public void EjectionTime_IsBaseTimesEjections_CappedAtTheMaximum()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(), time);
        var endpoints = Endpoints(2);
        detector.Bind(endpoints);

        detector.RecordResponse(endpoints[0], 500);        // out for 3 min
        Pass(time, TimeSpan.FromMinutes(3));
        Assert.Equal(2, detector.Healthy.Length);
        detector.RecordResponse(endpoints[0], 500);        // out for 6 min, capped at 5
        Pass(time, TimeSpan.FromMinutes(4));
        Assert.Single(detector.Healthy);
        Pass(time, TimeSpan.FromMinutes(1));
        Assert.Equal(2, detector.Healthy.Length);
    }

    [Fact]
    public void MaxEjectionPercent_LimitsEjections_ButOneIsAlwaysAllowed()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(maxEjectionPercent: 10), time);
        var endpoints = Endpoints(3);
        detector.Bind(endpoints);

        detector.RecordResponse(endpoints[0], 500);
        detector.RecordResponse(endpoints[1], 500);

        Assert.Equal(2, detector.Healthy.Length); // 10 % of 3 is less than one host, but one may go
        Assert.True(detector.IsEjected(endpoints[0]));
        Assert.False(detector.IsEjected(endpoints[1]));
    }

    [Fact]
    public void LocalOriginFailures_CountAs5xx_UnlessSplit()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(), time);
        var endpoints = Endpoints(2);
        detector.Bind(endpoints);

        detector.RecordLocalFailure(endpoints[0]);

        Assert.True(detector.IsEjected(endpoints[0]));
    }

    [Fact]
    public void PanicThreshold_UsesEveryHost_WhenTooFewAreHealthy()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(minHealthPercent: 60), time);
        var endpoints = Endpoints(2);
        detector.Bind(endpoints);

        detector.RecordResponse(endpoints[0], 500);

        Assert.Equal(2, detector.Healthy.Length); // 50 % healthy < 60 %: panic, balance over all
    }

    [Fact]
    public void PanicThreshold_IsNotReached_WhileTheOverprovisioningFactorCoversTheHostsLeft()
    {
        // 3 of 4 healthy is 75% < 80%, but 1.4 × 75% ≥ 100%: Envoy's normalized health is whole,
        // and it never panics then (ejected hosts stay out).
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(minHealthPercent: 80), time);
        var endpoints = Endpoints(4);
        detector.Bind(endpoints);

        detector.RecordResponse(endpoints[0], 500);

        Assert.Equal(3, detector.Healthy.Length);
        Assert.Equal(3, detector.Available.Length);

        detector.RecordResponse(endpoints[1], 500); // 50%: 1.4 × 50% = 70%, and 50% < 80%: panic

        Assert.Equal(4, detector.Healthy.Length);
        Assert.Equal(2, detector.Available.Length);
    }

    [Fact]
    public void StateSurvivesARebind_ForAddressesThatStay()
    {
        var time = new FakeTimeProvider();
        using var detector = new OutlierDetector(Settings(), time);
        detector.Bind(Endpoints(2));
        detector.RecordResponse(detector.Healthy[0], 500);

        var reloaded = Endpoints(2);
        detector.Bind(reloaded);

        Assert.Single(detector.Healthy);
        Assert.True(detector.IsEjected(reloaded[0]));
    }
}
