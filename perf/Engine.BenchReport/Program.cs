namespace Engine.BenchReport;

/// <summary>
/// <c>engine-bench-report --input RUN_DIR --output DIR</c>: reads what scripts/bench.sh measured
/// (results.jsonl, meta.json, startup.json, the engine-loadgen JSON files) and writes report.md,
/// chart.png and summary.txt to DIR.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        string? input = null;
        string? output = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--input":
                    input = args[i + 1];
                    break;
                case "--output":
                    output = args[i + 1];
                    break;
            }
        }

        if (input is null || output is null || !File.Exists(Path.Combine(input, "results.jsonl")))
        {
            Console.Error.WriteLine("usage: engine-bench-report --input RUN_DIR (with results.jsonl and meta.json) --output DIR");
            return 2;
        }

        Directory.CreateDirectory(output);
        var summary = new Summary(Results.Load(input));
        var reportPath = Path.Combine(output, "report.md");
        File.WriteAllText(reportPath, MarkdownReport.Build(summary));
        File.WriteAllText(Path.Combine(output, "summary.txt"), MarkdownReport.BuildSummary(summary, reportPath));
        try
        {
            Chart.Save(summary, Path.Combine(output, "chart.png"));
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or InvalidOperationException)
        {
            // The numbers matter more than the picture: keep the report when drawing is impossible here.
            Console.Error.WriteLine($"engine-bench-report: chart not drawn: {e.Message}");
        }

        return 0;
    }
}
