using Engine.Telemetry.Metrics;

namespace Engine.Tests.Telemetry;

/// <summary>
/// Stats found by the object that names them: the same object always gets the same stats, a new
/// object with an old name (a reload) carries the old stats on, and the small array of recent
/// objects in front of the table never hands one object another's stats, however many objects
/// share its slots.
/// </summary>
public sealed class ScopedStatsTests
{
    private sealed class Stats(string name)
    {
        public string Name { get; } = name;
    }

    private sealed class Scope(string name)
    {
        public string Name { get; } = name;
    }

    [Fact]
    public void SameObject_SameStats_AndANewObjectWithTheSameName_SharesThem()
    {
        var created = 0;
        var scoped = new ScopedStats<Stats>(name =>
        {
            created++;
            return new Stats(name);
        });
        var before = new Scope("cluster-a");
        var afterReload = new Scope("cluster-a");

        var first = scoped.For(before, before.Name);
        Assert.Same(first, scoped.For(before, before.Name));
        Assert.Same(first, scoped.For(afterReload, afterReload.Name));
        Assert.Equal(1, created);
    }

    [Fact]
    public void ManyObjects_InterleavedBeyondTheRecentSlots_EachGetsTheStatsOfItsOwnName()
    {
        var scoped = new ScopedStats<Stats>(name => new Stats(name));
        var scopes = Enumerable.Range(0, 1_000).Select(i => new Scope("scope-" + (i % 300))).ToArray();
        var random = new Random(5);

        for (var i = 0; i < 50_000; i++)
        {
            var scope = scopes[random.Next(scopes.Length)];
            Assert.Equal(scope.Name, scoped.For(scope, scope.Name).Name);
        }

        Assert.Equal(300, scoped.Snapshot().Length);
    }

    [Fact]
    public void ConcurrentLookUps_OfTheSameObjects_AgreeOnOneStatsEach()
    {
        var scoped = new ScopedStats<Stats>(name => new Stats(name));
        var scopes = Enumerable.Range(0, 200).Select(i => new Scope("s" + i)).ToArray();
        var seen = new Stats[4][];

        Parallel.For(0, 4, worker =>
        {
            seen[worker] = new Stats[scopes.Length];
            for (var round = 0; round < 200; round++)
            {
                for (var i = 0; i < scopes.Length; i++)
                {
                    var stats = scoped.For(scopes[i], scopes[i].Name);
                    seen[worker][i] ??= stats;
                    Assert.Same(seen[worker][i], stats);
                }
            }
        });

        for (var i = 0; i < scopes.Length; i++)
        {
            Assert.All(seen, perWorker => Assert.Same(seen[0][i], perWorker[i]));
        }
    }
}
