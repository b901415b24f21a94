using Engine.Protocols.Http;
using Engine.Proxy;
using Engine.Telemetry;
using Engine.Telemetry.Metrics;
using static Engine.Tests.Telemetry.TelemetryFixtures;

namespace Engine.Tests.Telemetry;

public sealed class ProxyMetricsTests
{
    [Fact]
    public void RequestCompleted_CountsDownstream_Cluster_AndRoute_ByStatusClass()
    {
        var metrics = new ProxyMetrics();
        var cluster = Cluster();
        var request = Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n");
        var response = new HttpResponseHead();

        for (var i = 0; i < 10; i++)
        {
            metrics.RequestStarted();
            metrics.RequestCompleted(Proxied(request, cluster, response));
        }

        for (var i = 0; i < 3; i++)
        {
            metrics.RequestStarted();
            metrics.RequestCompleted(Proxied(request, cluster, response, status: 503));
        }

        metrics.RequestStarted(); // still in flight

        var d = metrics.Downstream.Counters;
        Assert.Equal(13, d.Read(DownstreamStats.RequestsTotal));
        Assert.Equal(1, d.Read(DownstreamStats.ActiveRequests));
        Assert.Equal(10, d.Read(DownstreamStats.ClassBase + 1));
        Assert.Equal(3, d.Read(DownstreamStats.ClassBase + 4));
        Assert.Equal(13, metrics.Downstream.Time.Snapshot().Count);

        var c = metrics.Clusters.ForName(cluster.Name).Counters;
        Assert.Equal(13, c.Read(ClusterStats.RequestsTotal));
        Assert.Equal(10, c.Read(ClusterStats.ClassBase + 1));
        Assert.Equal(3, c.Read(ClusterStats.ClassBase + 4));
        Assert.Equal(13, metrics.Clusters.ForName(cluster.Name).Time.Snapshot().Count);

        var r = metrics.Routes.ForName("reviews-v1").Counters;
        Assert.Equal(13, r.Read(RouteStats.RequestsTotal));
        Assert.Equal(3, r.Read(RouteStats.ClassBase + 4));
    }

    [Fact]
    public void RequestCompleted_CountsEveryResponseFlag()
    {
        var metrics = new ProxyMetrics();
        var request = Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n");

        metrics.RequestStarted();
        metrics.RequestCompleted(Local(request, 503, ResponseFlags.UpstreamConnectionFailure | ResponseFlags.UpstreamRetryLimitExceeded, Cluster()));
        metrics.RequestStarted();
        metrics.RequestCompleted(Local(request, 404, ResponseFlags.NoRoute));

        var d = metrics.Downstream.Counters;
        Assert.Equal(1, d.Read(DownstreamStats.FlagBase + Bit(ResponseFlags.UpstreamConnectionFailure)));
        Assert.Equal(1, d.Read(DownstreamStats.FlagBase + Bit(ResponseFlags.UpstreamRetryLimitExceeded)));
        Assert.Equal(1, d.Read(DownstreamStats.FlagBase + Bit(ResponseFlags.NoRoute)));
        Assert.Equal(0, d.Read(DownstreamStats.FlagBase + Bit(ResponseFlags.NoHealthyUpstream)));
    }

    [Fact]
    public void NoHealthyUpstream_IsNotChargedToTheCluster()
    {
        var metrics = new ProxyMetrics();
        var cluster = Cluster();

        metrics.RequestStarted();
        metrics.RequestCompleted(Local(Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n"), 503, ResponseFlags.NoHealthyUpstream, cluster));

        Assert.Equal(0, metrics.Clusters.ForName(cluster.Name).Counters.Read(ClusterStats.ClassBase + 4));
    }

    [Fact]
    public void ClusterCounters_SurviveAReloadThatRebuildsTheClusterObject()
    {
        var metrics = new ProxyMetrics();
        var before = Cluster();
        var after = Cluster(); // same name, new object (what a reload does)

        metrics.UpstreamRetry(before);
        metrics.UpstreamRetry(after);

        Assert.Equal(2, metrics.Clusters.ForName(before.Name).Counters.Read(ClusterStats.Retries));
    }

    [Fact]
    public void ATimedOutRequest_IsCountedAsAClusterTimeout()
    {
        var metrics = new ProxyMetrics();
        var cluster = Cluster();

        metrics.RequestStarted();
        metrics.RequestCompleted(Local(Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n"), 504, ResponseFlags.UpstreamRequestTimeout, cluster));

        var c = metrics.Clusters.ForName(cluster.Name).Counters;
        Assert.Equal(1, c.Read(ClusterStats.Timeouts));
        Assert.Equal(1, c.Read(ClusterStats.ClassBase + 4));
    }

    [Fact]
    public void RequestCompleted_AllocatesNothing_OnceTheClusterAndRouteWereSeen()
    {
        var metrics = new ProxyMetrics();
        var request = Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n");
        var cluster = Cluster();
        var response = new HttpResponseHead();

        Allocations.AssertSteadyStateAllocatesNothing(_ => Record(metrics, Proxied(request, cluster, response, flags: ResponseFlags.DelayInjected)));
    }

    private static void Record(ProxyMetrics metrics, in CompletedRequest completed)
    {
        metrics.RequestStarted();
        metrics.RequestCompleted(completed);
    }

    private static int Bit(ResponseFlags flag) => System.Numerics.BitOperations.TrailingZeroCount((uint)flag);
}
