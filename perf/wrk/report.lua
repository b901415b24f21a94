-- wrk script used by scripts/bench.sh: at the end of a run, print one machine-readable line
-- with the counts and latency percentiles wrk's own --latency output lacks (p99.9) or rounds.
-- Latencies are in microseconds, as wrk records them.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50=%d p90=%d p99=%d p999=%d max=%d mean=%.1f " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
