using System.Text.Json;

namespace Engine.BenchReport;

/// <summary>One wrk cell of one run.</summary>
internal sealed record WrkRow(string Target, int Run, string Body, int Connections, double Rps, double P50, double P90, double P99, double P999, double? CpuPer100k, double? UpstreamCpuPer100k, long Errors, double LoadCoreBusy, double ProxyCoreOther, double LoadCoreOther);

/// <summary>One fixed-rate (engine-loadgen) measurement of one run; latencies in µs.</summary>
internal sealed record RateRow(string Target, int Run, int Rate, double Achieved, double P50, double P90, double P99, double P999, double? CpuPer100k, long Errors, double SendLagP99, double LoadCoreBusy, double ProxyCoreOther, double LoadCoreOther)
{
    /// <summary>http1, or h2c (HTTP/2 prior knowledge to the proxy).</summary>
    public string Protocol { get; init; } = "http1";

    /// <summary>Which of the run's rounds at this rate (scripts/bench.sh --rate-rounds); 1 in reports from before rounds.</summary>
    public int Round { get; init; } = 1;
}

/// <summary>One h2load cell of one run (h2c downstream, HTTP/1.1 upstream); h2load gives min / max / mean / sd of the request time, in µs, and no percentiles.</summary>
internal sealed record H2cRow(string Target, int Run, string Body, int Clients, int Streams, double Rps, double MinUs, double MaxUs, double MeanUs, double SdUs, double? CpuPer100k, double? UpstreamCpuPer100k, long Errors, double LoadCoreBusy, double ProxyCoreOther, double LoadCoreOther);

internal sealed record MemoryRow(string Target, int Run, long IdleKb, long AfterKb, long PeakKb);

internal sealed record FailureRow(string Target, int Run, string What, string Detail);

/// <summary>Everything scripts/bench.sh left in its run directory.</summary>
internal sealed class Results
{
    public List<WrkRow> Wrk { get; } = [];

    public List<RateRow> Rates { get; } = [];

    public List<H2cRow> H2c { get; } = [];

    public List<MemoryRow> Memory { get; } = [];

    public List<FailureRow> Failures { get; } = [];

    public JsonElement Meta { get; private set; }

    public JsonElement? Startup { get; private set; }

    public static Results Load(string directory)
    {
        var results = new Results();
        using (var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "meta.json"))))
        {
            results.Meta = meta.RootElement.Clone();
        }

        var startupPath = Path.Combine(directory, "startup.json");
        if (File.Exists(startupPath))
        {
            using var startup = JsonDocument.Parse(File.ReadAllText(startupPath));
            results.Startup = startup.RootElement.Clone();
        }

        foreach (var line in File.ReadLines(Path.Combine(directory, "results.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            var target = e.GetProperty("target").GetString()!;
            var run = e.GetProperty("run").GetInt32();
            switch (e.GetProperty("kind").GetString())
            {
                case "wrk":
                    results.Wrk.Add(new WrkRow(
                        target, run, e.GetProperty("body").GetString()!, e.GetProperty("connections").GetInt32(),
                        e.GetProperty("rps").GetDouble(),
                        e.GetProperty("p50_us").GetDouble(), e.GetProperty("p90_us").GetDouble(),
                        e.GetProperty("p99_us").GetDouble(), e.GetProperty("p999_us").GetDouble(),
                        NullableDouble(e, "cpu_s_per_100k"), NullableDouble(e, "upstream_cpu_s_per_100k"),
                        e.GetProperty("errors").GetInt64(),
                        NullableDouble(e, "load_core_busy_pct") ?? double.NaN,
                        NullableDouble(e, "proxy_core_other_pct") ?? double.NaN,
                        NullableDouble(e, "load_core_other_pct") ?? double.NaN));
                    break;
                case "rate":
                    results.Rates.Add(LoadRate(directory, e, target, run));
                    break;
                case "h2c":
                    results.H2c.Add(new H2cRow(
                        target, run, e.GetProperty("body").GetString()!, e.GetProperty("clients").GetInt32(), e.GetProperty("streams").GetInt32(),
                        e.GetProperty("rps").GetDouble(),
                        e.GetProperty("min_us").GetDouble(), e.GetProperty("max_us").GetDouble(),
                        e.GetProperty("mean_us").GetDouble(), e.GetProperty("sd_us").GetDouble(),
                        NullableDouble(e, "cpu_s_per_100k"), NullableDouble(e, "upstream_cpu_s_per_100k"),
                        e.GetProperty("errors").GetInt64(),
                        NullableDouble(e, "load_core_busy_pct") ?? double.NaN,
                        NullableDouble(e, "proxy_core_other_pct") ?? double.NaN,
                        NullableDouble(e, "load_core_other_pct") ?? double.NaN));
                    break;
                case "memory":
                    results.Memory.Add(new MemoryRow(target, run, e.GetProperty("rss_idle_kb").GetInt64(), e.GetProperty("rss_after_kb").GetInt64(), e.GetProperty("rss_peak_kb").GetInt64()));
                    break;
                case "failure":
                    results.Failures.Add(new FailureRow(target, run, e.GetProperty("what").GetString()!, e.GetProperty("detail").GetString()!));
                    break;
            }
        }

        return results;
    }

    private static RateRow LoadRate(string directory, JsonElement line, string target, int run)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, line.GetProperty("file").GetString()!)));
        var r = doc.RootElement;
        var latency = r.GetProperty("latency_us");
        var requests = r.GetProperty("completed").GetInt64() + r.GetProperty("completed_warmup").GetInt64();
        var cpu = line.GetProperty("cpu_s").GetDouble();
        return new RateRow(
            target, run, line.GetProperty("rate").GetInt32(), r.GetProperty("achieved_rps").GetDouble(),
            latency.GetProperty("p50").GetDouble(), latency.GetProperty("p90").GetDouble(),
            latency.GetProperty("p99").GetDouble(), latency.GetProperty("p99_9").GetDouble(),
            target == "direct" || requests == 0 ? null : cpu / requests * 1e5,
            r.GetProperty("error_total").GetInt64(),
            r.GetProperty("send_lag_us").GetProperty("p99").GetDouble(),
            NullableDouble(line, "load_core_busy_pct") ?? double.NaN,
            NullableDouble(line, "proxy_core_other_pct") ?? double.NaN,
            NullableDouble(line, "load_core_other_pct") ?? double.NaN)
        {
            Protocol = line.TryGetProperty("protocol", out var protocol) ? protocol.GetString() ?? "http1" : "http1",
            Round = line.TryGetProperty("round", out var round) ? round.GetInt32() : 1,
        };
    }

    private static double? NullableDouble(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
