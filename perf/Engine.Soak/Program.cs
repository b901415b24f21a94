namespace Engine.Soak;

/// <summary>
/// <c>engine-soak --engine PATH [--minutes 5 | --seconds N] [--workers 16] [--restart-every S]
/// [--max-slope MiB/min] [--max-flappy-errors share] [--out DIR]</c>; exit 0 on PASS, 1 on FAIL,
/// 2 on a usage error. See scripts/soak.sh.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync("engine-soak: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        var result = await new SoakRun(options).RunAsync(Console.Out).ConfigureAwait(false);
        return SoakReport.Write(result, options, Console.Out) ? 0 : 1;
    }
}
