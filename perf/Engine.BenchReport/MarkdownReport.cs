using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Engine.BenchReport;

/// <summary>Writes report.md (every table) and summary.txt (the lines bench.sh prints at the end).</summary>
internal static class MarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Build(Summary s)
    {
        var meta = s.Results.Meta;
        var md = new StringBuilder();
        md.AppendLine(Inv, $"# Engine vs nginx, HAProxy and YARP — {Str(meta, "date_utc")}");
        md.AppendLine();
        md.AppendLine(Inv, $"Commit `{Str(meta, "commit")}` ({Str(meta, "branch")}{(meta.GetProperty("dirty").GetBoolean() ? ", uncommitted changes" : string.Empty)}), " +
                           $"{Str(meta, "cpu")}, {meta.GetProperty("cores").GetInt32()} cores, Linux {Str(meta, "kernel")}. " +
                           $"Medians of {meta.GetProperty("runs").GetInt32()} run(s); wrk {meta.GetProperty("duration_s").GetInt32()} s per cell, " +
                           $"fixed-rate runs {meta.GetProperty("rate_duration_s").GetInt32()} s.{(meta.GetProperty("quick").GetBoolean() ? " **Quick mode: short runs, indicative only.**" : string.Empty)}");
        md.AppendLine();
        md.AppendLine(EngineStatus(s));
        md.AppendLine();
        if (NoiseNote(s) is { } noise)
        {
            md.AppendLine(noise);
            md.AppendLine();
        }

        md.AppendLine("Each proxy runs pinned to one core (`taskset`), with one worker/thread; wrk (or engine-loadgen) and the upstream " +
                      "(nginx, one worker) share the other core. `direct` is wrk against the upstream with no proxy: the limit. " +
                      "CPU-s/100k is the proxy's own utime+stime per 100,000 requests (all its processes); peak RSS is VmHWM. " +
                      "Latencies are in microseconds. \"Load core busy\" near 100% means wrk and the upstream, not the proxy, set the pace " +
                      "(compare CPU-s/100k then); \"others on proxy / load core\" is CPU that processes other than ours (proxy; upstream and load generator) took " +
                      "on each core during the cell (the worst run): anything above a few percent is noise from elsewhere on the machine. " +
                      "`engine` runs on the transport ENGINE_TRANSPORT chose (default: epoll; this run: " + Str(meta, "engine_transport") + "); " +
                      "`engine-kestrel`, when present, is the same binary on Kestrel's socket transport. " +
                      "See perf/README.md for how to read this.");
        md.AppendLine();

        Goals(md, s);

        foreach (var (body, connections) in s.Cells)
        {
            md.AppendLine(Inv, $"## HTTP/1.1 keep-alive, {BodyName(body)}, {connections} connections (wrk)");
            md.AppendLine();
            md.AppendLine("| target | req/s (min–max) | p50 | p90 | p99 | p99.9 | CPU-s/100k | upstream CPU-s/100k | errors | load core busy | others on proxy / load core |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var target in s.Targets)
            {
                var w = s.Wrk(target, body, connections);
                if (w is null)
                {
                    md.AppendLine(Inv, $"| {target} | no result | | | | | | | | | |");
                    continue;
                }

                md.AppendLine(Inv, $"| {Bold(target)} | {w.Rps:N0} ({w.RpsMin:N0}–{w.RpsMax:N0}) | {w.P50:N0} | {w.P90:N0} | {w.P99:N0} | {w.P999:N0} | {Num(w.CpuPer100k, "F2")} | {Num(w.UpstreamCpuPer100k, "F2")} | {w.Errors} | {Pct(w.LoadCoreBusy)} | {Pct(w.ProxyCoreOther)} / {Pct(w.LoadCoreOther)} |");
            }

            md.AppendLine();
            Ratios(md, s, body, connections);
        }

        H2cDownstream(md, s);
        FixedRate(md, s);
        Sidecar(md, s);
        Failures(md, s);

        md.AppendLine("## Method");
        md.AppendLine();
        var versions = meta.GetProperty("versions");
        md.AppendLine(string.Create(Inv, $"nginx {Str(versions, "nginx")} (upstream and peer), HAProxy {Str(versions, "haproxy")}, wrk {Str(versions, "wrk")}, .NET SDK {Str(versions, "dotnet")}, YARP {Str(versions, "yarp")}. ") +
                           "Upstream: `return 200` with a 13-byte body, and a 64 KiB static file. nginx peer: `proxy_pass` to an upstream block with " +
                           "`keepalive`, HTTP/1.1, 16 KiB proxy buffers. HAProxy: `mode http`, `http-reuse always`, `nbthread 1`. YARP: perf/Engine.YarpPeer " +
                           "(Kestrel, logging off, workstation GC). Engine: the native AOT binary, one STATIC ServiceEntry, `--log-level warn`. " +
                           "Requests carry `Host: upstream.bench`. wrk runs one thread; each cell is preceded by a warm-up. " +
                           (s.H2cBodies.Length > 0 ? string.Create(Inv, $"h2c cells: h2load {Str(versions, "h2load")}. ") : string.Empty) +
                           string.Create(Inv, $"Fixed-rate runs use engine-loadgen (open loop, {meta.GetProperty("rate_connections").GetInt32()} connections, latency from the intended send time). ") +
                           "Target order rotates between runs. Raw results: `raw/` beside this file.");
        md.AppendLine();
        return md.ToString();
    }

    public static string BuildSummary(Summary s, string reportPath)
    {
        var text = new StringBuilder();
        var meta = s.Results.Meta;
        text.AppendLine(Inv, $"Engine benchmark {Str(meta, "date_utc")}, commit {Str(meta, "commit")}, median of {meta.GetProperty("runs").GetInt32()} run(s){(meta.GetProperty("quick").GetBoolean() ? " (quick mode)" : string.Empty)}");
        text.AppendLine(EngineStatus(s).Replace("**", string.Empty, StringComparison.Ordinal));
        if (NoiseNote(s) is { } noise)
        {
            text.AppendLine(noise.Replace("**", string.Empty, StringComparison.Ordinal));
        }

        foreach (var (body, connections) in s.Cells)
        {
            text.AppendLine(Inv, $"{BodyName(body)}, {connections} connections:");
            text.Append("  req/s       ");
            text.AppendLine(string.Join("  ", s.Targets.Select(t => $"{t} {Fmt(s.Wrk(t, body, connections)?.Rps, "N0")}{RatioNote(s, t, body, connections, w => w.Rps)}")));
            text.Append("  CPU-s/100k  ");
            text.AppendLine(string.Join("  ", s.Targets.Where(t => t != "direct").Select(t => $"{t} {Fmt(s.Wrk(t, body, connections)?.CpuPer100k, "F2")}{RatioNote(s, t, body, connections, w => w.CpuPer100k ?? double.NaN)}")));
            text.Append("  p99 µs      ");
            text.AppendLine(string.Join("  ", s.Targets.Select(t => $"{t} {Fmt(s.Wrk(t, body, connections)?.P99, "N0")}")));
        }

        foreach (var body in s.H2cBodies)
        {
            var h2cTargets = s.Targets.Where(t => s.H2c(t, body) is not null).ToArray();
            text.AppendLine(Inv, $"h2c downstream (h2load), {BodyName(body)}:");
            text.Append("  req/s       ");
            text.AppendLine(string.Join("  ", h2cTargets.Select(t => $"{t} {Fmt(s.H2c(t, body)?.Rps, "N0")}")));
            text.Append("  CPU-s/100k  ");
            text.AppendLine(string.Join("  ", h2cTargets.Select(t => $"{t} {Fmt(s.H2c(t, body)?.CpuPer100k, "F2")}")));
            text.Append("  mean µs     ");
            text.AppendLine(string.Join("  ", h2cTargets.Select(t => $"{t} {Fmt(s.H2c(t, body)?.MeanUs, "N0")}")));
        }

        foreach (var rate in s.RateLevels)
        {
            text.Append(Inv, $"fixed {rate} rps, added over direct p50/p99 µs: ");
            text.AppendLine(string.Join("  ", s.Targets.Where(t => t != "direct").Select(t => s.Added(t, rate) is { } a ? $"{t} {a.P50:F0}/{a.P99:F0}" : $"{t} n/a")));
            if (PairedLine(s, rate) is { } paired)
            {
                text.AppendLine(Inv, $"  round by round: {paired}");
            }
        }

        text.AppendLine(SidecarLine(s));
        text.AppendLine(Inv, $"report: {reportPath}");
        return text.ToString();
    }

    private static string EngineStatus(Summary s)
    {
        var works = Str(s.Results.Meta, "engine_works");
        var failures = s.Results.Failures.Count(f => f.Target == "engine");
        return works switch
        {
            "yes" when failures == 0 => "**Engine status: working** — it answered every probe (200 with the right body size) before being measured.",
            "yes" => $"**Engine status: partly working** — {failures} engine measurement(s) failed (see Failures).",
            "no" => "**Engine status: NOT WORKING** — it failed to start or answered a probe wrongly; its figures are missing or meaningless (see Failures).",
            _ => "Engine status: not measured in this run.",
        };
    }

    /// <summary>Says how many measurements other processes disturbed beyond the noise limit (after bench.sh's retries).</summary>
    private static string? NoiseNote(Summary s)
    {
        var limit = s.Results.Meta.TryGetProperty("noise_limit_pct", out var l) ? l.GetDouble() : 10;
        static double Worst(double proxy, double load, bool direct) => Math.Max(direct || double.IsNaN(proxy) ? 0 : proxy, double.IsNaN(load) ? 0 : load);
        var cells = s.Results.Wrk.Select(w => Worst(w.ProxyCoreOther, w.LoadCoreOther, w.Target == "direct"))
            .Concat(s.Results.Rates.Select(r => Worst(r.ProxyCoreOther, r.LoadCoreOther, r.Target == "direct")))
            .Concat(s.Results.H2c.Select(h => Worst(h.ProxyCoreOther, h.LoadCoreOther, h.Target == "direct")))
            .ToArray();
        var noisy = cells.Count(c => c > limit);
        if (noisy == 0)
        {
            return null;
        }

        var text = string.Create(Inv, $"{noisy} of {cells.Length} measurements were disturbed by other processes on the machine (more than {limit:F0}% of a core, after retries): see the \"others\" columns.");
        return noisy * 4 > cells.Length
            ? "**Noisy run: " + text + " Req/s and latency from this run are not reliable; CPU-s/100k (the proxy's own CPU) holds up best.**"
            : text;
    }

    private static void Goals(StringBuilder md, Summary s)
    {
        md.AppendLine("## Issue 3 targets");
        md.AppendLine();
        md.AppendLine("Benchmarks, not tests: this table reports, it does not fail anything.");
        md.AppendLine();
        md.AppendLine("| target | measured | status |");
        md.AppendLine("|---|---|---|");
        var e = s.Wrk("engine", "small", 64);
        var bestCpu = s.BestPeer("small", 64, w => w.CpuPer100k ?? double.NaN, higherIsBetter: false);
        if (e?.CpuPer100k is { } cpu && bestCpu is { } bc)
        {
            var limit = 0.8 * bc.Value.CpuPer100k!.Value;
            md.AppendLine(Inv, $"| CPU-s/100k, small body, 64 conns ≤ 0.8 × best peer ({bc.Peer} {bc.Value.CpuPer100k:F2} → ≤ {limit:F2}) | {cpu:F2} ({cpu / bc.Value.CpuPer100k:F2}×) | {Status(cpu <= limit)} |");
        }

        var bestRps = s.BestPeer("small", 64, w => w.Rps, higherIsBetter: true);
        if (e is not null && bestRps is { } br)
        {
            md.AppendLine(Inv, $"| req/s, small body, 64 conns ≥ best peer ({br.Peer} {br.Value.Rps:N0}) | {e.Rps:N0} ({e.Rps / br.Value.Rps:F2}×) | {Status(e.Rps >= br.Value.Rps)} |");
        }

        if (s.Added("engine", 1000) is { } added)
        {
            var peers = s.PresentPeers.Select(p => (Peer: p, Added: s.Added(p, 1000))).Where(p => p.Added is not null).ToArray();
            if (peers.Length > 0)
            {
                var best = peers.MinBy(p => p.Added!.Value.P99);
                var (atMost, rounds) = s.PairedP99("engine", best.Peer, 1000);
                var paired = rounds > 1 ? string.Create(Inv, $"; p99 at most {best.Peer}'s in {atMost} of {rounds} rounds") : string.Empty;
                md.AppendLine(Inv, $"| added p99 at 1,000 rps ≤ best peer's ({best.Peer} {best.Added!.Value.P99:F0} µs) | {added.P99:F0} µs{paired} | {Status(added.P99 <= best.Added!.Value.P99)} |");
            }
        }

        if (s.Results.Startup is { } startup)
        {
            var idleMb = startup.GetProperty("idle_rss_kb_median").GetDouble() / 1024;
            var readyMs = startup.GetProperty("ready_ms_median").GetDouble();
            md.AppendLine(Inv, $"| idle RSS ≤ 20 MB | {idleMb:F1} MB | {Status(idleMb <= 20)} |");
            md.AppendLine(Inv, $"| start to ready ≤ 50 ms | {readyMs:F1} ms | {Status(readyMs <= 50)} |");
        }

        if (s.Memory("engine") is { } memory)
        {
            var peakMb = memory.Peak / 1024.0;
            md.AppendLine(Inv, $"| RSS under load ≤ 40 MB (peak VmHWM over all cells) | {peakMb:F1} MB | {Status(peakMb <= 40)} |");
        }

        if (s.Results.Meta.TryGetProperty("engine_binary_bytes", out var size))
        {
            var mb = size.GetInt64() / 1048576.0;
            md.AppendLine(Inv, $"| binary ≤ 20 MB | {mb:F1} MB | {Status(mb <= 20)} |");
        }

        md.AppendLine("| 0 B allocated per request on the HTTP/1.1 hot path | see perf/results/micro/ (`HotPathBenchmarks`) | — |");
        md.AppendLine();
    }

    private static void Ratios(StringBuilder md, Summary s, string body, int connections)
    {
        var engine = s.Wrk("engine", body, connections);
        if (engine is null)
        {
            return;
        }

        var others = s.PresentPeers.Prepend("engine-kestrel").Append("direct").Where(t => s.Wrk(t, body, connections) is not null).ToArray();
        if (others.Length == 0)
        {
            return;
        }

        md.AppendLine("| engine ÷ | req/s | CPU-s/100k | p99 |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var other in others)
        {
            var o = s.Wrk(other, body, connections)!;
            var cpu = engine.CpuPer100k is { } ec && o.CpuPer100k is { } oc && oc > 0 ? (ec / oc).ToString("F2", Inv) + "×" : "—";
            md.AppendLine(Inv, $"| {other} | {engine.Rps / o.Rps:F2}× | {cpu} | {engine.P99 / o.P99:F2}× |");
        }

        md.AppendLine();
        md.AppendLine("Higher is better for req/s, lower for CPU and p99.");
        md.AppendLine();
    }

    /// <summary>
    /// h2c with prior knowledge from h2load to the proxy, HTTP/1.1 from the proxy to the upstream:
    /// the common sidecar shape (an HTTP/2 client, an HTTP/1.1 application). h2load reports the
    /// request time as min / max / mean / sd only, so the table has no percentiles.
    /// </summary>
    private static void H2cDownstream(StringBuilder md, Summary s)
    {
        if (s.H2cBodies.Length == 0)
        {
            return;
        }

        var meta = s.Results.Meta;
        var clients = meta.TryGetProperty("h2c_clients", out var c) ? c.GetInt32() : 0;
        var streams = meta.TryGetProperty("h2c_streams", out var st) ? st.GetInt32() : 0;
        var seconds = meta.TryGetProperty("h2c_duration_s", out var d) ? d.GetInt32() : 0;
        md.AppendLine("## h2c downstream (h2load → proxy over HTTP/2 prior knowledge, proxy → upstream over HTTP/1.1)");
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"h2load, one thread pinned with the upstream, {clients} connections × {streams} concurrent streams, {seconds} s per cell, `:authority: upstream.bench` (h2load would send a `host` header beside its own `:authority`, which RFC 9113 §8.3.1 lets a server reject). ") +
                      "The engine takes h2c on its HTTP/1.1 port (it sniffs the preface); nginx (`listen … http2`), HAProxy (`bind … proto h2`) and YARP " +
                      "(a Kestrel endpoint with Protocols = Http2) on a second port. `direct` has no row: the upstream speaks HTTP/1.1 only. " +
                      "req/s counts 2xx answers only. h2load gives no latency percentiles: *mean* and *sd* are its request-time figures (median over runs), *max* the worst run's maximum. " +
                      "*÷ best peer* divides by the best of nginx, HAProxy and YARP in that column (req/s: above 1 is better; CPU and mean: below 1 is better). " +
                      "Errors are requests h2load counted as failed, errored or timed out, plus any answered without a 2xx.");
        md.AppendLine();
        foreach (var body in s.H2cBodies)
        {
            var bestRps = s.BestH2cPeer(body, h => h.Rps, higherIsBetter: true);
            var bestCpu = s.BestH2cPeer(body, h => h.CpuPer100k ?? double.NaN, higherIsBetter: false);
            var bestMean = s.BestH2cPeer(body, h => h.MeanUs, higherIsBetter: false);
            md.AppendLine(Inv, $"### h2c, {BodyName(body)}");
            md.AppendLine();
            md.AppendLine("| target | req/s (min–max) | req/s ÷ best peer | CPU-s/100k | CPU ÷ best peer | mean | sd | max | mean ÷ best peer | upstream CPU-s/100k | errors | load core busy | others on proxy / load core |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var target in s.Targets)
            {
                var h = s.H2c(target, body);
                if (h is null)
                {
                    if (target != "direct" && s.Results.Failures.Any(f => f.Target == target && f.What.StartsWith("h2", StringComparison.Ordinal)))
                    {
                        md.AppendLine(Inv, $"| {target} | no result (see Failures) | | | | | | | | | | | |");
                    }

                    continue;
                }

                var rpsRatio = bestRps is { } br ? (h.Rps / br.Value.Rps).ToString("F2", Inv) + "×" : "—";
                var cpuRatio = h.CpuPer100k is { } hc && bestCpu is { } bc && bc.Value.CpuPer100k is { } pc && pc > 0 ? (hc / pc).ToString("F2", Inv) + "×" : "—";
                var meanRatio = bestMean is { } bm && bm.Value.MeanUs > 0 ? (h.MeanUs / bm.Value.MeanUs).ToString("F2", Inv) + "×" : "—";
                md.AppendLine(Inv, $"| {Bold(target)} | {h.Rps:N0} ({h.RpsMin:N0}–{h.RpsMax:N0}) | {rpsRatio} | {Num(h.CpuPer100k, "F2")} | {cpuRatio} | {h.MeanUs:N0} | {h.SdUs:N0} | {h.MaxUs:N0} | {meanRatio} | {Num(h.UpstreamCpuPer100k, "F2")} | {h.Errors} | {Pct(h.LoadCoreBusy)} | {Pct(h.ProxyCoreOther)} / {Pct(h.LoadCoreOther)} |");
            }

            md.AppendLine();
            var bests = new List<string>();
            if (bestRps is { } r)
            {
                bests.Add(string.Create(Inv, $"req/s {r.Peer} ({r.Value.Rps:N0})"));
            }

            if (bestCpu is { } cp)
            {
                bests.Add(string.Create(Inv, $"CPU {cp.Peer} ({cp.Value.CpuPer100k:F2})"));
            }

            if (bestMean is { } m)
            {
                bests.Add(string.Create(Inv, $"mean {m.Peer} ({m.Value.MeanUs:N0} µs)"));
            }

            if (bests.Count > 0)
            {
                md.AppendLine("Best peer: " + string.Join(", ", bests) + ".");
                md.AppendLine();
            }
        }
    }

    private static void FixedRate(StringBuilder md, Summary s)
    {
        if (s.RateLevels.Length == 0)
        {
            return;
        }

        md.AppendLine("## Latency at a fixed rate (engine-loadgen, open loop, small body)");
        md.AppendLine();
        md.AppendLine("Latency counts from each request's intended send time, so queueing behind a stall is charged (no coordinated omission). " +
                      "\"Added\" is the target's percentile minus direct's at the same rate: the proxy's own cost, the figure Istio publishes for its sidecar.");
        md.AppendLine();
        md.AppendLine("| target | rate | achieved | p50 | p90 | p99 | p99.9 | added p50 | added p99 | CPU-s/100k | errors | send lag p99 | others on proxy / load core |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var rate in s.RateLevels)
        {
            foreach (var target in s.Targets)
            {
                var r = s.Rate(target, rate);
                if (r is null)
                {
                    continue;
                }

                var added = s.Added(target, rate);
                var addedP50 = target == "direct" ? "—" : added is { } a ? a.P50.ToString("F0", Inv) : "n/a";
                var addedP99 = target == "direct" ? "—" : added is { } b ? b.P99.ToString("F0", Inv) : "n/a";
                md.AppendLine(Inv, $"| {Bold(target)} | {rate:N0} | {r.Achieved:N0} | {r.P50:F0} | {r.P90:F0} | {r.P99:F0} | {r.P999:F0} | {addedP50} | {addedP99} | {Num(r.CpuPer100k, "F2")} | {r.Errors} | {r.SendLagP99Max:F0} | {Pct(r.ProxyCoreOther)} / {Pct(r.LoadCoreOther)} |");
            }
        }

        md.AppendLine();
        foreach (var rate in s.RateLevels)
        {
            if (PairedLine(s, rate) is { } paired)
            {
                md.AppendLine(Inv, $"Round by round at {rate:N0} rps (each round measures every target once, seconds apart, in its own order): {paired}. Added latencies tens of microseconds apart are a draw when these counts are near half.");
                md.AppendLine();
            }
        }

        md.AppendLine("Send lag is how late the generator wrote requests after their intended time (pacing error plus queueing); " +
                      "when it is large for direct too, the generator or its shared core, not the proxy, is the limit.");
        md.AppendLine();
        FixedRateH2c(md, s);
    }

    /// <summary>The same open-loop measurement over h2c (2 connections × 8 streams); no direct row: the upstream speaks HTTP/1.1 only.</summary>
    private static void FixedRateH2c(StringBuilder md, Summary s)
    {
        var rates = s.Results.Rates.Where(r => r.Protocol == "h2c").Select(r => r.Rate).Distinct().Order().ToArray();
        if (rates.Length == 0)
        {
            return;
        }

        md.AppendLine("### The same over h2c (engine-loadgen --protocol h2c, 2 connections × 8 streams)");
        md.AppendLine();
        md.AppendLine("| target | rate | achieved | p50 | p90 | p99 | p99.9 | CPU-s/100k | errors | send lag p99 | others on proxy / load core |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var rate in rates)
        {
            foreach (var target in s.Targets)
            {
                if (s.Rate(target, rate, "h2c") is { } r)
                {
                    md.AppendLine(Inv, $"| {Bold(target)} | {rate:N0} | {r.Achieved:N0} | {r.P50:F0} | {r.P90:F0} | {r.P99:F0} | {r.P999:F0} | {Num(r.CpuPer100k, "F2")} | {r.Errors} | {r.SendLagP99Max:F0} | {Pct(r.ProxyCoreOther)} / {Pct(r.LoadCoreOther)} |");
                }
            }
        }

        md.AppendLine();
    }

    private static void Sidecar(StringBuilder md, Summary s)
    {
        md.AppendLine("## Sidecar figures");
        md.AppendLine();
        md.AppendLine(SidecarLine(s));
        md.AppendLine();
        md.AppendLine("| target | RSS idle | RSS after load | peak RSS (VmHWM) |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var target in s.Targets.Where(t => t != "direct"))
        {
            if (s.Memory(target) is { } m)
            {
                md.AppendLine(Inv, $"| {Bold(target)} | {m.Idle / 1024:F1} MB | {m.After / 1024:F1} MB | {m.Peak / 1024.0:F1} MB |");
            }
        }

        md.AppendLine();
        md.AppendLine("nginx figures add its master and worker processes. Idle is right after start, before any request.");
        md.AppendLine();
    }

    /// <summary>"engine p99 at most nginx's in 5 of 9 rounds, …" when the rate was measured in more than one round; else null.</summary>
    private static string? PairedLine(Summary s, int rate)
    {
        var parts = s.PresentPeers
            .Select(peer => (Peer: peer, Pair: s.PairedP99("engine", peer, rate)))
            .Where(p => p.Pair.Rounds > 1)
            .Select(p => string.Create(Inv, $"{p.Peer}'s in {p.Pair.AtMost} of {p.Pair.Rounds}"))
            .ToArray();
        return parts.Length == 0 ? null : "engine p99 at most " + string.Join(", ", parts) + " rounds";
    }

    private static string SidecarLine(Summary s)
    {
        var parts = new List<string>();
        if (s.Results.Startup is { } startup)
        {
            parts.Add(string.Create(Inv, $"start to ready {startup.GetProperty("ready_ms_median").GetDouble():F1} ms (median of {startup.GetProperty("runs").GetArrayLength()})"));
            parts.Add(string.Create(Inv, $"idle RSS {startup.GetProperty("idle_rss_kb_median").GetDouble() / 1024:F1} MB"));
        }

        if (s.Memory("engine") is { } memory)
        {
            parts.Add(string.Create(Inv, $"RSS under load {memory.Peak / 1024.0:F1} MB peak"));
        }

        if (s.Results.Meta.TryGetProperty("engine_binary_bytes", out var size))
        {
            parts.Add(string.Create(Inv, $"binary {size.GetInt64() / 1048576.0:F1} MB"));
        }

        return parts.Count == 0 ? "Engine sidecar figures: not measured." : "Engine sidecar figures: " + string.Join(", ", parts) + ".";
    }

    private static void Failures(StringBuilder md, Summary s)
    {
        if (s.Results.Failures.Count == 0)
        {
            return;
        }

        md.AppendLine("## Failures");
        md.AppendLine();
        md.AppendLine("| target | run | what | detail |");
        md.AppendLine("|---|---:|---|---|");
        foreach (var f in s.Results.Failures)
        {
            md.AppendLine(Inv, $"| {f.Target} | {f.Run} | {f.What} | `{f.Detail.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal)}` |");
        }

        md.AppendLine();
    }

    private static string RatioNote(Summary s, string target, string body, int connections, Func<WrkMedian, double> key)
    {
        if (target == "engine" || target == "direct")
        {
            return string.Empty;
        }

        var e = s.Wrk("engine", body, connections);
        var o = s.Wrk(target, body, connections);
        if (e is null || o is null || double.IsNaN(key(e)) || double.IsNaN(key(o)) || key(o) == 0)
        {
            return string.Empty;
        }

        return string.Create(Inv, $" (engine {key(e) / key(o):F2}×)");
    }

    private static string BodyName(string body) => body == "small" ? "13-byte body" : "64 KiB body";

    private static string Bold(string target) => target == "engine" ? "**engine**" : target;

    private static string Status(bool met) => met ? "met" : "**not met**";

    private static string Pct(double value) => double.IsNaN(value) ? "—" : value.ToString("F0", Inv) + "%";

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, Inv) : "—";

    private static string Fmt(double? value, string format) => value is { } v && !double.IsNaN(v) ? v.ToString(format, Inv) : "n/a";

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "?";
}
