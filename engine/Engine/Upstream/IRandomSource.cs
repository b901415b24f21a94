namespace Engine.Upstream;

/// <summary>
/// Randomness for weights, balancers and (later) fault and mirror percentages; injected so tests
/// can make every draw deterministic.
/// </summary>
public interface IRandomSource
{
    /// <summary>A uniform integer in [0, maxExclusive).</summary>
    int Next(int maxExclusive);

    /// <summary>A uniform double in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The process-wide thread-safe generator (xoshiro256** behind <see cref="Random.Shared"/>).</summary>
public sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    private SharedRandomSource()
    {
    }

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);

    public double NextDouble() => Random.Shared.NextDouble();
}
