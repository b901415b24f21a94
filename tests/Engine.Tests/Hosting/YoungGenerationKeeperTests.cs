using Engine.Hosting;

namespace Engine.Tests.Hosting;

/// <summary>The keeper collects gen0 once its budget was allocated without a collection, and not before.</summary>
public sealed class YoungGenerationKeeperTests
{
    [Fact]
    public void BelowTheBudget_NothingIsCollected()
    {
        using var keeper = new YoungGenerationKeeper(budgetBytes: 1L << 40, interval: TimeSpan.FromSeconds(1), start: false);
        GC.KeepAlive(new byte[64 * 1024]);

        Assert.False(keeper.Check());
        Assert.Equal(0, keeper.Collections);
    }

    [Fact]
    public void OverTheBudget_WithoutACollection_Gen0IsCollected()
    {
        using var keeper = new YoungGenerationKeeper(budgetBytes: 256 * 1024, interval: TimeSpan.FromSeconds(1), start: false);
        var collected = false;
        for (var attempt = 0; attempt < 20 && !collected; attempt++)
        {
            var before = GC.CollectionCount(0);
            for (var i = 0; i < 64; i++)
            {
                GC.KeepAlive(new byte[8 * 1024]); // 512 KiB of garbage
            }

            // A collection the GC made on its own meanwhile resets the keeper's count instead.
            collected = keeper.Check();
            if (collected)
            {
                Assert.True(GC.CollectionCount(0) > before);
            }
        }

        Assert.True(collected, "the keeper never collected although twice its budget was allocated each time");
        Assert.True(keeper.Collections >= 1);
    }
}
