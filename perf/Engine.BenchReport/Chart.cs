using ScottPlot;

namespace Engine.BenchReport;

/// <summary>
/// chart.png: four panels — req/s, CPU-s per 100k requests and p99 for every wrk cell, and p99 at
/// each fixed rate — with one bar per target, the engine drawn in a strong colour.
/// </summary>
internal static class Chart
{
    private static readonly Dictionary<string, Color> Colors = new(StringComparer.Ordinal)
    {
        ["engine"] = Color.FromHex("#d62728"),
        ["engine-kestrel"] = Color.FromHex("#ff9896"),
        ["nginx"] = Color.FromHex("#2ca02c"),
        ["haproxy"] = Color.FromHex("#1f77b4"),
        ["yarp"] = Color.FromHex("#9467bd"),
        ["direct"] = Color.FromHex("#7f7f7f"),
    };

    public static void Save(Summary s, string path)
    {
        var targets = s.Targets;
        var proxies = targets.Where(t => t != "direct").ToArray();
        var cellLabels = s.Cells.Select(c => $"{(c.Body == "small" ? "13 B" : "64 KiB")}, {c.Connections} conns").ToArray();

        // A new Multiplot holds one empty plot; drop it so the grid has exactly these four.
        var multiplot = new Multiplot();
        multiplot.RemovePlot(multiplot.GetPlot(0));
        multiplot.AddPlot(Grouped("Requests per second (wrk, higher is better)", "req/s", cellLabels, targets,
            (cell, target) => s.Wrk(target, s.Cells[cell].Body, s.Cells[cell].Connections)?.Rps));
        multiplot.AddPlot(Grouped("Proxy CPU-seconds per 100k requests (lower is better)", "CPU-s / 100k", cellLabels, proxies,
            (cell, target) => s.Wrk(target, s.Cells[cell].Body, s.Cells[cell].Connections)?.CpuPer100k));
        multiplot.AddPlot(Grouped("p99 latency, closed loop (wrk, lower is better)", "µs", cellLabels, targets,
            (cell, target) => s.Wrk(target, s.Cells[cell].Body, s.Cells[cell].Connections)?.P99));
        var rateLabels = s.RateLevels.Select(r => $"{r:N0} rps").ToArray();
        multiplot.AddPlot(Grouped("p99 latency at a fixed rate (open loop, lower is better)", "µs", rateLabels, targets,
            (level, target) => s.Rate(target, s.RateLevels[level])?.P99));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        multiplot.SavePng(path, 1600, 1100);
    }

    private static Plot Grouped(string title, string yLabel, string[] groups, string[] series, Func<int, string, double?> value)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var width = series.Length + 1;
        for (var g = 0; g < groups.Length; g++)
        {
            for (var i = 0; i < series.Length; i++)
            {
                if (value(g, series[i]) is not { } v || double.IsNaN(v))
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = (g * width) + i,
                    Value = v,
                    FillColor = Colors.GetValueOrDefault(series[i], Color.FromHex("#17becf")),
                    Size = 0.9,
                });
            }
        }

        if (bars.Count > 0)
        {
            plot.Add.Bars(bars);
        }

        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, groups.Length).Select(g => (g * width) + ((series.Length - 1) / 2.0)).ToArray(),
            groups);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.Title(title, 14);
        plot.YLabel(yLabel, 12);
        foreach (var name in series)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = name, FillColor = Colors.GetValueOrDefault(name, Color.FromHex("#17becf")) });
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
