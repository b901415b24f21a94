using Engine.Upstream;

namespace Engine.Tests.Upstream;

/// <summary>A reproducible random source for tests that measure a split over many picks.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int Next(int maxExclusive)
    {
        lock (_random)
        {
            return _random.Next(maxExclusive);
        }
    }

    public double NextDouble()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }
}
