#!/usr/bin/env bash
# A/B of the engine's two transports on the same AOT binary: alternates
# `ENGINE_TRANSPORT=kestrel` and `ENGINE_TRANSPORT=epoll` runs of scripts/bench.sh (so both see
# the same machine noise, interleaved), then prints medians per transport and cell from the raw
# results. Benchmarks only: nothing here fails on slow numbers.
#
#   perf/results/transport/ab.sh [ROUNDS] [bench.sh options...]
#   e.g. perf/results/transport/ab.sh 3 --quick --targets engine,nginx,haproxy
#
# BENCH=path/to/bench.sh picks another copy of the harness; BENCH_PORT_BASE (read by bench.sh)
# moves it to other ports. bench.sh alone now also measures both transports in one run
# (targets engine and engine-kestrel).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=${1:-3}
shift || true
BENCH=${BENCH:-scripts/bench.sh}
OUT=artifacts/transport-ab/$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$OUT"
[ -x artifacts/engine ] || scripts/publish.sh

for round in $(seq 1 "$ROUNDS"); do
  for kind in kestrel epoll; do
    echo "[ab] round $round/$ROUNDS: $kind" >&2
    ENGINE_TRANSPORT=$kind "$BENCH" --no-build --runs 1 --out "$OUT/$kind-$round" "$@" >"$OUT/$kind-$round.log" 2>&1 || echo "[ab] $kind round $round failed (see $OUT/$kind-$round.log)" >&2
  done
done

# One line per (transport or peer, cell): medians over rounds, with min–max of CPU-s/100k.
python3 - "$OUT" <<'PY'
import json, glob, os, statistics, sys
out = sys.argv[1]
rows = {}
for path in glob.glob(os.path.join(out, "*-*", "raw", "results.jsonl")):
    kind = os.path.basename(os.path.dirname(os.path.dirname(path))).rsplit("-", 1)[0]
    for line in open(path):
        r = json.loads(line)
        if r.get("kind") != "wrk":
            continue
        who = f"engine/{kind}" if r["target"] == "engine" else r["target"]
        key = (r["body"], r["connections"], who)
        rows.setdefault(key, []).append(r)
print(f"{'cell':<14} {'target':<15} {'n':>2} {'CPU-s/100k':>10} {'(min-max)':>13} {'req/s':>9} {'p99 us':>9} {'noise%':>7}")
for key in sorted(rows):
    rs = rows[key]
    cpu = [r["cpu_s_per_100k"] for r in rs if r.get("cpu_s_per_100k") is not None]
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    noise = [max(r.get("proxy_core_other_pct", 0), r.get("load_core_other_pct", 0)) for r in rs]
    rng = f"{min(cpu):.2f}-{max(cpu):.2f}" if cpu else "-"
    print(f"{key[0]+'/'+str(key[1]):<14} {key[2]:<15} {len(rs):>2} {med(cpu):>10.2f} {rng:>13} {med([r['rps'] for r in rs]):>9.0f} {med([r['p99_us'] for r in rs]):>9.0f} {med(noise):>7.0f}")
PY
echo "[ab] raw: $OUT" >&2
