namespace Engine.Telemetry.Metrics;

/// <summary>Requests per route name (the VirtualService rule), by final status class.</summary>
internal sealed class RouteStats
{
    public const int RequestsTotal = 0;

    /// <summary>Class c (1–5) is at <c>ClassBase + c - 1</c>.</summary>
    public const int ClassBase = 1;
    private const int CounterCount = ClassBase + StatusClass.Count;

    public RouteStats(string name) => Name = name;

    public string Name { get; }

    public StripedCounters Counters { get; } = new(CounterCount);
}
