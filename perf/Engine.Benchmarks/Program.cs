using BenchmarkDotNet.Running;

namespace Engine.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project perf/Engine.Benchmarks -- --filter '*'</c>
/// (or <c>scripts/bench.sh --micro</c>). Every BenchmarkDotNet switch works (<c>--list flat</c>,
/// <c>--job short</c>, <c>--filter '*Route*'</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
