using System.Globalization;
using System.Text.Json;

namespace Engine.LoadGen;

/// <summary>Writes a run's results as JSON (for scripts and the report tool) and as a short text summary.</summary>
internal static class ResultWriter
{
    public static void WriteJson(LoadResult result, Stream destination)
    {
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        var o = result.Options;
        json.WriteStartObject();
        json.WriteString("tool", "engine-loadgen");
        json.WriteNumber("schema", 1);
        json.WriteString("url", o.Target.Url.ToString());
        json.WriteString("protocol", o.Protocol);
        json.WriteNumber("rate", o.Rate);
        json.WriteNumber("connections", o.Connections);
        json.WriteNumber("duration_s", o.Duration.TotalSeconds);
        json.WriteNumber("warmup_s", result.WarmupSeconds);
        json.WriteNumber("measured_s", Math.Round(result.MeasuredSeconds, 3));
        json.WriteNumber("scheduled", result.Scheduled);
        json.WriteNumber("completed", result.CompletedMeasured);
        json.WriteNumber("completed_warmup", result.CompletedWarmup);
        json.WriteNumber("achieved_rps", Math.Round(result.AchievedRps, 1));
        json.WriteNumber("body_bytes", result.BodyBytes);
        json.WriteNumber("reconnects", result.Reconnects);
        json.WriteNumber("generator_cpu_s", Math.Round(result.GeneratorCpuSeconds, 3));
        json.WriteNumber("error_total", result.ErrorTotal);
        json.WriteStartObject("errors");
        foreach (var (cause, count) in result.Errors)
        {
            json.WriteNumber(cause, count);
        }

        json.WriteEndObject();
        json.WriteStartObject("status");
        foreach (var (status, count) in result.StatusCodes)
        {
            json.WriteNumber(status.ToString(CultureInfo.InvariantCulture), count);
        }

        json.WriteEndObject();
        Summary(json, "latency_us", result.Latency);
        Summary(json, "service_time_us", result.ServiceTime);
        Summary(json, "send_lag_us", result.SendLag);
        json.WriteEndObject();
    }

    public static void WriteText(LoadResult result, TextWriter output)
    {
        var l = result.Latency;
        var errors = result.Errors.Count == 0 ? "none" : string.Join(", ", result.Errors.Select(e => $"{e.Key} {e.Value}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Options.Target.Url}  {result.Options.Rate:F0} rps asked, {result.AchievedRps:F1} achieved over {result.MeasuredSeconds:F1}s, {result.Options.Connections} connections"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  latency (from intended send)  p50 {l.P50:F1}us  p90 {l.P90:F1}us  p99 {l.P99:F1}us  p99.9 {l.P999:F1}us  max {l.Max:F1}us"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  service time (from write)     p50 {result.ServiceTime.P50:F1}us  p99 {result.ServiceTime.P99:F1}us;  send lag p50 {result.SendLag.P50:F1}us p99 {result.SendLag.P99:F1}us"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  completed {result.CompletedMeasured} of {result.Scheduled} scheduled; errors: {errors}; reconnects {result.Reconnects}; generator CPU {result.GeneratorCpuSeconds:F2} s"));
    }

    private static void Summary(Utf8JsonWriter json, string name, LatencySummary s)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", s.Count);
        json.WriteNumber("p50", Math.Round(s.P50, 2));
        json.WriteNumber("p90", Math.Round(s.P90, 2));
        json.WriteNumber("p99", Math.Round(s.P99, 2));
        json.WriteNumber("p99_9", Math.Round(s.P999, 2));
        json.WriteNumber("p99_99", Math.Round(s.P9999, 2));
        json.WriteNumber("max", Math.Round(s.Max, 2));
        json.WriteNumber("mean", Math.Round(s.Mean, 2));
        json.WriteEndObject();
    }
}
