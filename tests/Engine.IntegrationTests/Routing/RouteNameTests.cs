using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>
/// The route name a request reports (access log, metrics): Istio names one Envoy route per match
/// entry <c>http.name.match.name</c>; unnamed rules fall back to the VirtualService and rule index.
/// </summary>
public sealed class RouteNameTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-1");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    [Fact]
    public async Task NamedMatchEntries_AreAppendedToTheRuleName_UnnamedRulesUseTheirIndex()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-1"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - name: api
                match:
                - name: users
                  uri: {prefix: /users}
                - uri: {prefix: /orders}
                route:
                - destination: {host: svc}
              - route:
                - destination: {host: svc}
            """,
        ]);

        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/users/1");
        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/orders/1");
        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/other");

        Assert.Equal("api.users", (await sidecar.Telemetry.SingleAsync("/users")).Route);
        Assert.Equal("api", (await sidecar.Telemetry.SingleAsync("/orders")).Route);
        Assert.Equal("svc.1", (await sidecar.Telemetry.SingleAsync("/other")).Route);
    }
}
