using Engine.Upstream.Locality;

namespace Engine.Tests.Upstream;

/// <summary>
/// Envoy's earliest-deadline-first turns over a level's localities: in every run of picks as long
/// as the weights' sum (in their smallest whole ratio), each locality comes up as often as its
/// weight says; one without weight never does.
/// </summary>
public sealed class LocalityScheduleTests
{
    [Theory]
    [InlineData(new[] { 80.0, 20.0 }, 0)]
    [InlineData(new[] { 80.0, 20.0 }, 1)]
    [InlineData(new[] { 0.0, 3.0, 1.0 }, 2)]
    [InlineData(new[] { 1.4, 0.7, 0.7 }, 0)] // weights scaled by health are not whole numbers
    public void EveryRunOfOnePeriod_GivesEachLocalityItsShare(double[] weights, int warmUpPicks)
    {
        var unit = weights.Where(w => w > 0).Min();
        var shares = weights.Select(w => (int)Math.Round(w / unit)).ToArray();
        var period = shares.Sum();
        var schedule = new LocalitySchedule(weights, warmUpPicks);

        var picks = Enumerable.Range(0, period * 20).Select(_ => schedule.Pick()).ToArray();

        for (var start = 0; start + period <= picks.Length; start++)
        {
            var run = picks.AsSpan(start, period).ToArray();
            for (var k = 0; k < weights.Length; k++)
            {
                Assert.True(run.Count(p => p == k) == shares[k], $"picks {start}..{start + period - 1} gave locality {k} {run.Count(p => p == k)} turns, not {shares[k]}: {string.Join(" ", run)}");
            }
        }
    }
}
