namespace Engine.BenchReport;

/// <summary>Medians across runs, per target and cell, and the comparisons the report makes from them.</summary>
internal sealed class Summary
{
    /// <summary><c>engine-kestrel</c>: the same binary on Kestrel's socket transport (ENGINE_TRANSPORT=kestrel), to compare transports in one run.</summary>
    public static readonly string[] TargetOrder = ["engine", "engine-kestrel", "nginx", "haproxy", "yarp", "direct"];
    public static readonly string[] Peers = ["nginx", "haproxy", "yarp"];

    public Summary(Results results)
    {
        Results = results;
        Cells = results.Wrk
            .Select(w => (w.Body, w.Connections))
            .Distinct()
            .OrderBy(c => c.Body == "small" ? 0 : 1)
            .ThenByDescending(c => c.Connections)
            .ToArray();
        RateLevels = results.Rates.Where(r => r.Protocol == "http1").Select(r => r.Rate).Distinct().Order().ToArray();
        H2cBodies = results.H2c.Select(h => h.Body).Distinct().OrderBy(b => b == "small" ? 0 : 1).ToArray();
        Targets = TargetOrder.Where(t => results.Wrk.Any(w => w.Target == t) || results.Rates.Any(r => r.Target == t) || results.H2c.Any(h => h.Target == t)).ToArray();
        Runs = results.Wrk.Select(w => w.Run).Concat(results.Rates.Select(r => r.Run)).Concat(results.H2c.Select(h => h.Run)).DefaultIfEmpty(0).Max();
    }

    public Results Results { get; }

    public (string Body, int Connections)[] Cells { get; }

    public int[] RateLevels { get; }

    /// <summary>Bodies measured over h2c (h2load), small first.</summary>
    public string[] H2cBodies { get; }

    public string[] Targets { get; }

    public int Runs { get; }

    public IEnumerable<string> PresentPeers => Peers.Where(p => Targets.Contains(p));

    public WrkMedian? Wrk(string target, string body, int connections)
    {
        var rows = Results.Wrk.Where(w => w.Target == target && w.Body == body && w.Connections == connections).ToArray();
        if (rows.Length == 0)
        {
            return null;
        }

        return new WrkMedian(
            Stats.Median(rows.Select(r => r.Rps)),
            Stats.Median(rows.Select(r => r.P50)),
            Stats.Median(rows.Select(r => r.P90)),
            Stats.Median(rows.Select(r => r.P99)),
            Stats.Median(rows.Select(r => r.P999)),
            Stats.MedianOrNull(rows.Select(r => r.CpuPer100k)),
            Stats.MedianOrNull(rows.Select(r => r.UpstreamCpuPer100k)),
            rows.Sum(r => r.Errors),
            rows.Min(r => r.Rps),
            rows.Max(r => r.Rps),
            rows.Length,
            Stats.Median(rows.Select(r => r.LoadCoreBusy)),
            rows.Max(r => r.ProxyCoreOther),
            rows.Max(r => r.LoadCoreOther));
    }

    public H2cMedian? H2c(string target, string body)
    {
        var rows = Results.H2c.Where(h => h.Target == target && h.Body == body).ToArray();
        if (rows.Length == 0)
        {
            return null;
        }

        return new H2cMedian(
            Stats.Median(rows.Select(r => r.Rps)),
            rows.Min(r => r.Rps),
            rows.Max(r => r.Rps),
            Stats.Median(rows.Select(r => r.MeanUs)),
            Stats.Median(rows.Select(r => r.SdUs)),
            rows.Max(r => r.MaxUs),
            Stats.MedianOrNull(rows.Select(r => r.CpuPer100k)),
            Stats.MedianOrNull(rows.Select(r => r.UpstreamCpuPer100k)),
            rows.Sum(r => r.Errors),
            rows.Length,
            Stats.Median(rows.Select(r => r.LoadCoreBusy)),
            rows.Max(r => r.ProxyCoreOther),
            rows.Max(r => r.LoadCoreOther));
    }

    /// <summary>The peer with the highest req/s (or lowest CPU, or lowest mean latency) in an h2c cell.</summary>
    public (string Peer, H2cMedian Value)? BestH2cPeer(string body, Func<H2cMedian, double> key, bool higherIsBetter)
    {
        var candidates = PresentPeers
            .Select(p => (Peer: p, Value: H2c(p, body)))
            .Where(p => p.Value is not null && !double.IsNaN(key(p.Value!)))
            .Select(p => (p.Peer, Value: p.Value!))
            .ToArray();
        if (candidates.Length == 0)
        {
            return null;
        }

        return higherIsBetter ? candidates.MaxBy(c => key(c.Value)) : candidates.MinBy(c => key(c.Value));
    }

    public RateMedian? Rate(string target, int rate, string protocol = "http1")
    {
        var rows = Results.Rates.Where(r => r.Target == target && r.Rate == rate && r.Protocol == protocol).ToArray();
        if (rows.Length == 0)
        {
            return null;
        }

        return new RateMedian(
            Stats.Median(rows.Select(r => r.Achieved)),
            Stats.Median(rows.Select(r => r.P50)),
            Stats.Median(rows.Select(r => r.P90)),
            Stats.Median(rows.Select(r => r.P99)),
            Stats.Median(rows.Select(r => r.P999)),
            Stats.MedianOrNull(rows.Select(r => r.CpuPer100k)),
            rows.Sum(r => r.Errors),
            rows.Max(r => r.SendLagP99),
            rows.Length,
            rows.Max(r => r.ProxyCoreOther),
            rows.Max(r => r.LoadCoreOther));
    }

    /// <summary>Added latency over the direct (no proxy) run at the same rate, µs; null without a direct run.</summary>
    public (double P50, double P99)? Added(string target, int rate)
    {
        var t = Rate(target, rate);
        var d = Rate("direct", rate);
        return t is null || d is null ? null : (t.P50 - d.P50, t.P99 - d.P99);
    }

    /// <summary>
    /// Round by round at one rate (HTTP/1.1): in how many of the rounds that measured both, the
    /// target's p99 was at most the peer's. The two were measured seconds apart in each round, so
    /// a drift of the machine between rounds cancels out, which medians over rounds do not do.
    /// </summary>
    public (int AtMost, int Rounds) PairedP99(string target, string peer, int rate)
    {
        var peerRounds = Results.Rates
            .Where(r => r.Target == peer && r.Rate == rate && r.Protocol == "http1")
            .ToDictionary(r => (r.Run, r.Round), r => r.P99);
        var pairs = Results.Rates
            .Where(r => r.Target == target && r.Rate == rate && r.Protocol == "http1" && peerRounds.ContainsKey((r.Run, r.Round)))
            .Select(r => r.P99 <= peerRounds[(r.Run, r.Round)])
            .ToArray();
        return (pairs.Count(atMost => atMost), pairs.Length);
    }

    /// <summary>(idle, after load, peak) RSS in kB: medians of idle/after, maximum of peak.</summary>
    public (double Idle, double After, long Peak)? Memory(string target)
    {
        var rows = Results.Memory.Where(m => m.Target == target).ToArray();
        return rows.Length == 0 ? null : (Stats.Median(rows.Select(r => (double)r.IdleKb)), Stats.Median(rows.Select(r => (double)r.AfterKb)), rows.Max(r => r.PeakKb));
    }

    /// <summary>The peer with the highest req/s (or lowest CPU) in a cell.</summary>
    public (string Peer, WrkMedian Value)? BestPeer(string body, int connections, Func<WrkMedian, double> key, bool higherIsBetter)
    {
        var candidates = PresentPeers
            .Select(p => (Peer: p, Value: Wrk(p, body, connections)))
            .Where(p => p.Value is not null && !double.IsNaN(key(p.Value!)))
            .Select(p => (p.Peer, Value: p.Value!))
            .ToArray();
        if (candidates.Length == 0)
        {
            return null;
        }

        return higherIsBetter ? candidates.MaxBy(c => key(c.Value)) : candidates.MinBy(c => key(c.Value));
    }
}

/// <summary>Medians of one wrk cell; <see cref="LoadCoreBusy"/> (median) near 100% means the load generator's core, not the proxy, set the pace; <see cref="ProxyCoreOther"/> and <see cref="LoadCoreOther"/> (worst run) are CPU that other processes took on each core.</summary>
internal sealed record WrkMedian(double Rps, double P50, double P90, double P99, double P999, double? CpuPer100k, double? UpstreamCpuPer100k, long Errors, double RpsMin, double RpsMax, int Runs, double LoadCoreBusy, double ProxyCoreOther, double LoadCoreOther);

/// <summary>Medians of one h2c cell; <see cref="MaxUs"/> is the worst run's maximum request time.</summary>
internal sealed record H2cMedian(double Rps, double RpsMin, double RpsMax, double MeanUs, double SdUs, double MaxUs, double? CpuPer100k, double? UpstreamCpuPer100k, long Errors, int Runs, double LoadCoreBusy, double ProxyCoreOther, double LoadCoreOther);

internal sealed record RateMedian(double Achieved, double P50, double P90, double P99, double P999, double? CpuPer100k, long Errors, double SendLagP99Max, int Runs, double ProxyCoreOther, double LoadCoreOther);
