using Engine.IntegrationTests.Infrastructure;

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
            var broken = version % 3 == 0;
            var rejectedBefore = Rejections(drill.Proxy);
            await File.WriteAllTextAsync(routes, broken ? "kind: VirtualService\nspec: [unclosed\n" : Routes(version));
            drill.Proxy.Hangup();

            // Reloads run off the signal handler: wait until this one has visibly happened.
            if (broken)
            {
                await WaitFor.ConditionAsync(() => Rejections(drill.Proxy) > rejectedBefore, 30_000, $"broken version {version} rejected");
            }
            else
            {
                await WaitForVersionAsync(drill.Proxy, version);
            }

            await drill.Bystanders.WaitForMoreAsync(10);
        }

        // The last file written (version 12) was broken: version 11 goes on serving.
        await WaitForVersionAsync(drill.Proxy, 11);
        Assert.Equal(200, await drill.Proxy.StatusOfAsync("good", "x-version: 10\r\n"));
        await drill.AssertOthersServedAndReleasedAsync();
    }

    private static int Rejections(DrillProxy proxy)
        => proxy.Output.Split('\n').Count(line => line.Contains("configuration reload rejected", StringComparison.Ordinal));

    private static async Task WaitForVersionAsync(DrillProxy proxy, int version)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (await proxy.StatusOfAsync("good", $"x-version: {version}\r\n") != 418)
        {
            Assert.True(Environment.TickCount64 < deadline, $"version {version} of the routes never took effect");
            await Task.Delay(50);
        }
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
