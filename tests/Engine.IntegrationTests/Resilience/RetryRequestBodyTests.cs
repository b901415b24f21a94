using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// Retries of requests with bodies over HTTP/1.1, where the body may arrive after the head. A
/// connection that was never made consumed nothing of the body, so Istio's default
/// <c>connect-failure</c> retry must go ahead whatever the body's state (Envoy retries it).
/// </summary>
public sealed class RetryRequestBodyTests
{
    [Fact]
    public async Task ConnectFailure_RetriesAPost_WhoseBodyArrivesAfterTheHead()
    {
        await using var good = await Upstreams.StartAsync("good");
        using var refusing = new RefusingPort();
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (refusing.Port, "v1"), (good.PortOf("good"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
            """,
        ]);

        // Round robin over a dead and a live endpoint: every other first attempt is refused.
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var body = $"payload-{i}";
            await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: svc:8080\r\nContent-Length: {body.Length}\r\n\r\n");
            await Task.Delay(150); // the first attempt is made (and refused) before the body is here
            await client.SendAsync(body);

            var response = await client.ReadResponseAsync();
            statuses.Add(response.Status);
            Assert.Contains($"\"bodyBytes\":{body.Length}", response.Body, StringComparison.Ordinal);
        }

        Assert.Equal([200, 200, 200, 200], statuses);
    }
}
