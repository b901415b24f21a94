using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace Engine.Soak;

/// <summary>
/// Turns a soak into its verdict and files: samples.csv, rss.png (RSS and descriptors over time,
/// restarts marked; requests per second below), summary.json, and the text summary on stdout.
/// Memory is "flat" when the least-squares slope of RSS after the warm-up share of the run
/// (--settle, default half) is below the threshold: during warm-up the AOT binary still grows its
/// memory pool, GC budget and socket buffers to their working size (measured: RSS climbs from
/// ~10 to ~29 MiB over the first seven or so upstream restarts, then stays flat).
/// </summary>
internal static class SoakReport
{
    public static bool Write(SoakRun.Result result, SoakOptions options, TextWriter output)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var samples = result.Samples;
        var tail = samples.Where(s => s.Seconds >= options.Duration.TotalSeconds * options.Settle).ToList();
        var slope = Slope(tail) * 60; // MiB per minute
        var flat = tail.Count >= 3 && slope < options.MaxSlopeMiBPerMinute;

        long Count(string service, bool ok) => result.Outcomes.Where(o => o.Key.Service == service && (o.Key.Cause == "ok") == ok).Sum(o => o.Value);
        var total = result.Outcomes.Values.Sum();
        var unexpected = Count("stable", ok: false) + Count("nohost", ok: false);
        var flappyErrors = Count("flappy", ok: false);
        var flappyTotal = flappyErrors + Count("flappy", ok: true);
        var flappyShare = flappyTotal == 0 ? 0 : (double)flappyErrors / flappyTotal;
        var reloadsSeen = result.Reloads.Written == 0 || (result.Reloads.Applied > 0 && (result.Reloads.Broken == 0 || result.Reloads.Rejected > 0));
        var passed = result.EngineSurvived && reloadsSeen && flat && unexpected == 0 && flappyShare <= options.MaxFlappyErrorShare && total > 0;

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"soak: {options.Duration.TotalSeconds:F0} s, {total} requests ({total / Math.Max(1, options.Duration.TotalSeconds):F0}/s), {result.Restarts.Count} upstream restarts, engine {(result.EngineSurvived ? "alive" : "DIED")}");
        if (samples.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"soak: RSS start {samples[0].RssMiB:F1} MiB, end {samples[^1].RssMiB:F1} MiB, max {samples.Max(s => s.RssMiB):F1} MiB; descriptors end {samples[^1].Descriptors}");
        }

        var reloads = result.Reloads;
        text.AppendLine(CultureInfo.InvariantCulture, $"soak: config writes {reloads.Written} ({reloads.Broken} broken on purpose); engine reported {reloads.Applied} reload(s) applied, {reloads.Rejected} rejected");
        text.AppendLine(CultureInfo.InvariantCulture, $"soak: RSS slope after {options.Settle:P0} of the run {slope:F2} MiB/min (flat below {options.MaxSlopeMiBPerMinute}): {(flat ? "memory is flat" : "memory is NOT flat")}");
        text.AppendLine("soak: outcomes by service and cause:");
        foreach (var ((service, cause), count) in result.Outcomes.OrderBy(o => o.Key.Service, StringComparer.Ordinal).ThenByDescending(o => o.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {service,-7} {cause,-48} {count,10}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"soak: unexpected errors (stable, nohost) {unexpected}; flappy errors {flappyErrors} of {flappyTotal} ({flappyShare:P2}, allowed {options.MaxFlappyErrorShare:P0}: requests in flight on a killed endpoint)");
        text.AppendLine(passed ? "soak: PASS" : "soak: FAIL");
        if (!result.EngineSurvived)
        {
            text.AppendLine("soak: engine output tail:\n" + result.EngineOutputTail);
        }

        output.Write(text.ToString());
        File.WriteAllText(Path.Combine(options.OutputDirectory, "summary.txt"), text.ToString());
        WriteCsv(samples, Path.Combine(options.OutputDirectory, "samples.csv"));
        WriteJson(result, options, slope, flat, passed, Path.Combine(options.OutputDirectory, "summary.json"));
        Plot(result, options, slope, Path.Combine(options.OutputDirectory, "rss.png"));
        return passed;
    }

    /// <summary>Least-squares slope of RSS (MiB) against time (s).</summary>
    internal static double Slope(IReadOnlyList<Sample> samples)
    {
        if (samples.Count < 2)
        {
            return 0;
        }

        var meanX = samples.Average(s => s.Seconds);
        var meanY = samples.Average(s => s.RssMiB);
        var covariance = samples.Sum(s => (s.Seconds - meanX) * (s.RssMiB - meanY));
        var variance = samples.Sum(s => (s.Seconds - meanX) * (s.Seconds - meanX));
        return variance == 0 ? 0 : covariance / variance;
    }

    private static void WriteCsv(IReadOnlyList<Sample> samples, string path)
    {
        var csv = new StringBuilder("seconds,rss_mib,descriptors,requests\n");
        foreach (var s in samples)
        {
            csv.AppendLine(CultureInfo.InvariantCulture, $"{s.Seconds:F1},{s.RssMiB:F2},{s.Descriptors},{s.Completed}");
        }

        File.WriteAllText(path, csv.ToString());
    }

    private static void WriteJson(SoakRun.Result result, SoakOptions options, double slope, bool flat, bool passed, string path)
    {
        using var file = File.Create(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("seconds", options.Duration.TotalSeconds);
        json.WriteNumber("workers", options.Workers);
        json.WriteNumber("restarts", result.Restarts.Count);
        json.WriteNumber("configWrites", result.Reloads.Written);
        json.WriteNumber("configWritesBroken", result.Reloads.Broken);
        json.WriteNumber("reloadsApplied", result.Reloads.Applied);
        json.WriteNumber("reloadsRejected", result.Reloads.Rejected);
        json.WriteBoolean("engineSurvived", result.EngineSurvived);
        json.WriteNumber("rssSlopeMiBPerMinute", Math.Round(slope, 3));
        json.WriteBoolean("memoryFlat", flat);
        json.WriteBoolean("passed", passed);
        if (result.Samples.Count > 0)
        {
            json.WriteNumber("rssStartMiB", Math.Round(result.Samples[0].RssMiB, 1));
            json.WriteNumber("rssEndMiB", Math.Round(result.Samples[^1].RssMiB, 1));
            json.WriteNumber("rssMaxMiB", Math.Round(result.Samples.Max(s => s.RssMiB), 1));
        }

        json.WriteStartArray("outcomes");
        foreach (var ((service, cause), count) in result.Outcomes)
        {
            json.WriteStartObject();
            json.WriteString("service", service);
            json.WriteString("cause", cause);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Plot(SoakRun.Result result, SoakOptions options, double slope, string path)
    {
        var samples = result.Samples;
        var seconds = samples.Select(s => s.Seconds).ToArray();

        var memory = new Plot();
        var rss = memory.Add.Scatter(seconds, samples.Select(s => s.RssMiB).ToArray());
        rss.LegendText = "engine RSS (MiB)";
        rss.MarkerSize = 0;
        rss.LineWidth = 2;
        var fds = memory.Add.Scatter(seconds, samples.Select(s => (double)s.Descriptors).ToArray());
        fds.LegendText = "open descriptors";
        fds.MarkerSize = 0;
        fds.Axes.YAxis = memory.Axes.Right;
        foreach (var restart in result.Restarts)
        {
            var line = memory.Add.VerticalLine(restart);
            line.LineColor = Colors.Gray.WithAlpha(0.4);
            line.LinePattern = LinePattern.Dotted;
        }

        memory.Title($"Soak: engine RSS over {options.Duration.TotalSeconds:F0} s (slope after warm-up {slope:F2} MiB/min; dotted: upstream restarts)", 14);
        memory.YLabel("RSS (MiB)");
        memory.Axes.Right.Label.Text = "descriptors";
        memory.XLabel("seconds");
        memory.Axes.SetLimitsY(0, Math.Max(10, samples.Count == 0 ? 10 : samples.Max(s => s.RssMiB) * 1.2));
        memory.ShowLegend(Alignment.LowerRight);

        var rate = new Plot();
        var perSecond = samples.Zip(samples.Skip(1), (a, b) => (b.Completed - a.Completed) / Math.Max(1e-3, b.Seconds - a.Seconds)).ToArray();
        var rps = rate.Add.Scatter(seconds.Skip(1).ToArray(), perSecond);
        rps.MarkerSize = 0;
        rps.LegendText = "requests/s";
        rate.Title("Completed requests per second", 12);
        rate.YLabel("req/s");
        rate.XLabel("seconds");

        var multiplot = new Multiplot();
        multiplot.AddPlot(memory);
        multiplot.AddPlot(rate);
        foreach (var empty in multiplot.GetPlots().Where(p => p != memory && p != rate).ToArray())
        {
            multiplot.RemovePlot(empty); // a new Multiplot starts with one blank plot
        }

        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        multiplot.SavePng(path, 1400, 900);
    }
}
