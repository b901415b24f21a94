using Engine.Upstream;

namespace Engine.Tests.Upstream;

/// <summary>A random source that returns the values it is given, in order, so balancer picks are exact.</summary>
internal sealed class ScriptedRandom : IRandomSource
{
    private readonly Queue<int> _ints;

    public ScriptedRandom(params int[] ints) => _ints = new Queue<int>(ints);

    public int Next(int maxExclusive)
    {
        var value = _ints.Count > 0 ? _ints.Dequeue() : 0;
        Assert.InRange(value, 0, maxExclusive - 1);
        return value;
    }

    public double NextDouble() => 0;
}
