namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Configuration changing under load: good and broken route files in turn, each picked up by the
/// file watcher and by SIGHUP. Bystanders must see no failure at all (a swap is one reference
/// write; a broken file keeps the last good config), and a good file must take effect.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ConfigReloadDrills
{
    [Fact]
    public async Task ReloadsGoodAndBroken_UnderLoad_NoRequestFails_LastGoodConfigServes()
    {
        await using var drill = await Drill.StartAsync([]);
        var routes = Path.Combine(drill.Proxy.ConfigDirectory, "routes.yaml");

        for (var version = 1; version <= 12; version++)
        {
            await File.WriteAllTextAsync(routes, version % 3 == 0 ? "kind: VirtualService\nspec: [unclosed\n" : Routes(version));
            drill.Proxy.Hangup();
            await drill.Bystanders.WaitForMoreAsync(10);
        }

        // The last file written (version 12) was broken: version 11 serves, and goes on serving.
        var deadline = Environment.TickCount64 + 30_000;
        while (await drill.Proxy.StatusOfAsync("good", "x-version: 11\r\n") != 418)
        {
            Assert.True(Environment.TickCount64 < deadline, "version 11 of the routes never took effect");
            await Task.Delay(50);
        }

        Assert.Equal(200, await drill.Proxy.StatusOfAsync("good", "x-version: 10\r\n"));
        Assert.Contains("configuration reload rejected", drill.Proxy.Output, StringComparison.Ordinal);
        await drill.AssertOthersServedAndReleasedAsync();
    }

    /// <summary>A header-matched direct response per version (so the live version is observable); everything else to good.</summary>
    private static string Routes(int version) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: good
        spec:
          hosts: [good]
          http:
          - match:
            - headers:
                x-version:
                  exact: "{version}"
            directResponse:
              status: 418
          - route:
            - destination:
                host: good
        """;
}
