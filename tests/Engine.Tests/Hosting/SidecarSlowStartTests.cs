using Engine.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Hosting;

/// <summary>
/// Slow start through a reload, as Envoy applies it: the endpoints a cluster starts with get their
/// full share at once; an endpoint that joins the running cluster (a new workload) ramps up over
/// the DestinationRule's <c>warmup</c> window from its minimum share.
/// </summary>
public sealed class SidecarSlowStartTests : IDisposable
{
    private const string Cluster = "outbound|80||reviews.default.svc.cluster.local";
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-slow-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(params string[] addresses) => File.WriteAllText(Path.Combine(_dir, "mesh.yaml"), $$$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 80, name: http, protocol: HTTP}]
          endpoints: [{{{string.Join(", ", addresses.Select(a => "{address: " + a + "}"))}}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews.default.svc.cluster.local
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 60s}}
        """);

    [Fact]
    public async Task AnEndpointThatJoinsTheRunningCluster_RampsUp_ThoseItStartedWithDoNot()
    {
        var time = new FakeTimeProvider();
        Write("10.0.0.1", "10.0.0.2");
        await using var sidecar = new Sidecar(new SidecarOptions { ConfigPaths = [_dir] }, NullLoggerFactory.Instance, time);
        sidecar.Reload();
        Assert.Equal(55, Picks(sidecar, "10.0.0.2", 110)); // there from the start: an even share

        Write("10.0.0.1", "10.0.0.2", "10.0.0.3");
        sidecar.Reload();
        Assert.InRange(Picks(sidecar, "10.0.0.3", 210), 9, 11); // joined: 10% of the weight of each other one

        time.Advance(TimeSpan.FromSeconds(30));
        Write("10.0.0.3", "10.0.0.1", "10.0.0.2"); // a reload that keeps the endpoint keeps its join time
        sidecar.Reload();
        Assert.InRange(Picks(sidecar, "10.0.0.3", 250), 48, 52); // half its weight: 0.5 of 2.5

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.InRange(Picks(sidecar, "10.0.0.3", 300), 99, 101); // out of slow start
    }

    private static int Picks(Sidecar sidecar, string address, int picks)
    {
        var cluster = sidecar.Server.Config.Clusters[Cluster];
        return Enumerable.Range(0, picks).Count(_ => cluster.Pick()!.Address.Address.ToString() == address);
    }
}
