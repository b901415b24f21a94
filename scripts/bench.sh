#!/usr/bin/env bash
# Measures the engine beside nginx, HAProxy and YARP, and beside no proxy at all, on one upstream
# in one run, and writes a dated report (markdown, PNG chart, raw JSON) under perf/results/.
# Benchmarks, not tests: nothing here fails because the machine is slow today.
#
#   scripts/bench.sh                 full comparison (3 runs, medians quoted)
#   scripts/bench.sh --quick         smoke run: short durations, one run
#   scripts/bench.sh --micro         BenchmarkDotNet suites (short job) → perf/results/micro/
#   scripts/bench.sh --help          every option
#
# Layout on a 2-core machine: each proxy pinned to core 0 (--proxy-cpu); the load generator (wrk
# or engine-loadgen) and the upstream nginx share core 1 (--load-cpu). All traffic is to
# 127.0.0.1; every loop is bounded in time and count; every process started here is stopped on
# exit (trap), by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

usage() {
  cat <<'EOF'
usage: scripts/bench.sh [options]

  --quick             short runs (3 s per wrk cell, 3 s per fixed-rate run, 1 run) for a smoke test
  --runs N            repeat the whole matrix N times and quote medians (default 3; --quick: 1)
  --duration S        seconds per wrk measurement (default 10; --quick: 3)
  --rate-duration S   seconds per fixed-rate measurement (default 10; --quick: 3)
  --rates LIST        fixed rates for engine-loadgen, requests/s (default 1000,5000)
  --rate-rounds N     rounds of the first rate's cells per run, each in its own target order
                      (default 3; --quick: 1): the targets' added latencies differ by tens of
                      microseconds and one 10 s run moves by as much, so the report compares
                      them round by round (seconds apart) as well as by medians
  --connections LIST  wrk connection counts (default 64,8)
  --no-h2c            skip the h2c downstream cells (h2load: HTTP/2 prior knowledge to the proxy,
                      HTTP/1.1 from the proxy to the upstream)
  --h2c-duration S    seconds per h2load measurement (default: --duration)
  --h2c-clients N     h2load connections (default 8)
  --h2c-streams N     h2load concurrent streams per connection (default 10)
  --targets LIST      any of direct,engine,engine-kestrel,nginx,haproxy,yarp (default: all);
                      engine runs on the transport ENGINE_TRANSPORT picks (default epoll),
                      engine-kestrel is the same binary with ENGINE_TRANSPORT=kestrel
  --proxy-cpu N       core the proxy under test is pinned to (default 0)
  --load-cpu N        core the load generator and the upstream share (default 1)
  --out DIR           where the report goes (default perf/results/<UTC date and time>)
  --no-build          reuse existing builds (artifacts/engine, perf/*/bin/Release)
  --quiet-wait S      before each target, wait up to S seconds for other processes to leave the
                      machine idle (default 60; 0: don't wait). Noise is reported per cell anyway.
  --noise-limit P     measure a cell again when other processes took more than P% of either core
                      during it (default 10)
  --noise-retries N   at most N more attempts per cell (default 2; the last one is kept)
  --profile           instead of comparing: syscalls per request (strace -c, at a fixed rate) and a CPU
                      profile (perf record, under wrk) of each target, into perf/results/<date>-profile/
  --micro             run the BenchmarkDotNet suites instead and copy their reports to perf/results/micro/
  --micro-filter F    BenchmarkDotNet --filter for --micro (default '*')
  --micro-job J       BenchmarkDotNet --job for --micro (default short)

environment:
  BENCH_PORT_BASE     first of the loopback ports used (default 18080: upstream 18080, proxies
                      18081-18085, their h2c listeners 18086-18088 (the engine's ports take
                      both), start-up probe 18091), so two runs on one machine can coexist
EOF
}

QUICK=0
RUNS=""
DURATION=""
RATE_DURATION=""
RATES="1000,5000"
RATE_ROUNDS=""
CONNECTIONS="64,8"
H2C=1
H2C_DURATION=""
H2C_CLIENTS=8
H2C_STREAMS=10
TARGETS="direct,engine,engine-kestrel,nginx,haproxy,yarp"
PROXY_CPU=0
LOAD_CPU=1
OUT=""
BUILD=1
QUIET_WAIT=60
NOISE_LIMIT=10
NOISE_RETRIES=2
PROFILE=0
MICRO=0
MICRO_FILTER='*'
MICRO_JOB=short

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --rate-duration) RATE_DURATION=$2; shift ;;
    --rates) RATES=$2; shift ;;
    --rate-rounds) RATE_ROUNDS=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --no-h2c) H2C=0 ;;
    --h2c-duration) H2C_DURATION=$2; shift ;;
    --h2c-clients) H2C_CLIENTS=$2; shift ;;
    --h2c-streams) H2C_STREAMS=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --proxy-cpu) PROXY_CPU=$2; shift ;;
    --load-cpu) LOAD_CPU=$2; shift ;;
    --out) OUT=$2; shift ;;
    --no-build) BUILD=0 ;;
    --quiet-wait) QUIET_WAIT=$2; shift ;;
    --noise-limit) NOISE_LIMIT=$2; shift ;;
    --noise-retries) NOISE_RETRIES=$2; shift ;;
    --profile) PROFILE=1 ;;
    --micro) MICRO=1 ;;
    --micro-filter) MICRO_FILTER=$2; shift ;;
    --micro-job) MICRO_JOB=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  RUNS=${RUNS:-1}; DURATION=${DURATION:-3}; RATE_DURATION=${RATE_DURATION:-3}; RATE_ROUNDS=${RATE_ROUNDS:-1}; WARMUP=1
else
  RUNS=${RUNS:-3}; DURATION=${DURATION:-10}; RATE_DURATION=${RATE_DURATION:-10}; RATE_ROUNDS=${RATE_ROUNDS:-3}; WARMUP=2
fi
H2C_DURATION=${H2C_DURATION:-$DURATION}
for n in "$RUNS" "$DURATION" "$RATE_DURATION" "$RATE_ROUNDS" "$H2C_DURATION" "$H2C_CLIENTS" "$H2C_STREAMS" "$PROXY_CPU" "$LOAD_CPU" "$QUIET_WAIT" "$NOISE_LIMIT" "$NOISE_RETRIES"; do
  case "$n" in ''|*[!0-9]*) echo "bench: '$n' is not a whole number" >&2; exit 2 ;; esac
done
if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 20 ] || [ "$DURATION" -lt 1 ] || [ "$DURATION" -gt 600 ] || [ "$RATE_DURATION" -lt 1 ] || [ "$RATE_DURATION" -gt 600 ] \
  || [ "$RATE_ROUNDS" -lt 1 ] || [ "$RATE_ROUNDS" -gt 20 ] \
  || [ "$H2C_DURATION" -lt 1 ] || [ "$H2C_DURATION" -gt 600 ] || [ "$H2C_CLIENTS" -lt 1 ] || [ "$H2C_CLIENTS" -gt 1000 ] || [ "$H2C_STREAMS" -lt 1 ] || [ "$H2C_STREAMS" -gt 100 ]; then
  echo "bench: --runs and --rate-rounds must be 1..20, durations 1..600 s, --h2c-clients 1..1000, --h2c-streams 1..100" >&2
  exit 2
fi

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Micro-benchmarks
# ---------------------------------------------------------------------------------------------
if [ "$MICRO" = 1 ]; then
  command -v dotnet >/dev/null || { echo "bench: the .NET SDK (dotnet) is required" >&2; exit 1; }
  artifacts="$ROOT/artifacts/benchmarks"
  rm -rf "$artifacts/results"
  # Timings mean little on a machine other processes keep busy: say how busy it was.
  busy_before=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat)
  sleep 1
  busy_after=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat)
  machine_busy=$(echo "$busy_before $busy_after" | awk '{ printf("%d", ($3 - $1) * 100 / ($4 - $2 > 0 ? $4 - $2 : 1)) }')
  log "BenchmarkDotNet: --filter '$MICRO_FILTER' --job $MICRO_JOB (a few minutes)"
  dotnet run -c Release --project perf/Engine.Benchmarks -- \
    --filter "$MICRO_FILTER" --job "$MICRO_JOB" --artifacts "$artifacts" --stopOnFirstError
  dest=perf/results/micro
  mkdir -p "$dest"
  shopt -s nullglob
  reports=("$artifacts"/results/*-report-github.md)
  if [ ${#reports[@]} -eq 0 ]; then
    echo "bench: BenchmarkDotNet wrote no report" >&2
    exit 1
  fi
  for report in "${reports[@]}"; do
    name=$(basename "$report" -report-github.md)
    cp "$report" "$dest/${name#Engine.Benchmarks.}.md"
  done
  {
    echo "# Micro-benchmarks"
    echo
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(git rev-parse --short HEAD 2>/dev/null || echo '?') with"
    echo "\`scripts/bench.sh --micro --micro-job $MICRO_JOB --micro-filter '$MICRO_FILTER'\`."
    echo "BenchmarkDotNet's short job (3 iterations) is for trends and allocations, not for the last percent."
    echo "Other processes kept the machine ${machine_busy}% busy when the run started$([ "$machine_busy" -gt 20 ] && echo ': timings are inflated by that; allocations are exact')."

    echo "\`Allocated\` is bytes per operation: \`-\` means none."
    echo
    for report in "$dest"/*.md; do
      [ "$(basename "$report")" = README.md ] && continue
      echo "## $(basename "$report" .md)"
      echo
      sed -n '/^| Method/,/^$/p' "$report"
      echo
    done
  } > "$dest/README.md"
  log "reports in $dest/ (summary: $dest/README.md)"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Comparison run: install, build
# ---------------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
need_apt=()
have nginx   || need_apt+=(nginx-light)
have haproxy || need_apt+=(haproxy)
have wrk     || need_apt+=(wrk)
have h2load  || need_apt+=(nghttp2-client)
have curl    || need_apt+=(curl)
have taskset || need_apt+=(util-linux)
# The chart tool (ScottPlot on SkiaSharp) needs fontconfig and a font to draw text.
have fc-list || need_apt+=(fontconfig)
[ -d /usr/share/fonts/truetype/dejavu ] || need_apt+=(fonts-dejavu-core)
if [ "$PROFILE" = 1 ]; then
  have strace || need_apt+=(strace)
  have perf   || need_apt+=(linux-perf)
  have nm     || need_apt+=(binutils)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: need root to install: ${need_apt[*]}" >&2
    exit 1
  fi
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the packaged services; the benchmark runs its own instances on loopback ports.
  (service nginx stop || true; service haproxy stop || true) >/dev/null 2>&1
fi
have dotnet || { echo "bench: the .NET SDK (dotnet) is required" >&2; exit 1; }

CORES=$(nproc)
if [ "$PROXY_CPU" -ge "$CORES" ] || [ "$LOAD_CPU" -ge "$CORES" ]; then
  echo "bench: this machine has $CORES core(s); choose --proxy-cpu and --load-cpu below that" >&2
  exit 2
fi
[ "$PROXY_CPU" != "$LOAD_CPU" ] || log "warning: proxy and load generator share core $PROXY_CPU; figures will not compare with a 2-core run"

ENGINE="$ROOT/artifacts/engine"
LOADGEN="$ROOT/perf/Engine.LoadGen/bin/Release/net10.0/engine-loadgen"
YARP="$ROOT/perf/Engine.YarpPeer/bin/Release/net10.0/engine-yarp-peer"
REPORT="$ROOT/perf/Engine.BenchReport/bin/Release/net10.0/engine-bench-report"
if [ "$BUILD" = 1 ]; then
  log "building the AOT engine (scripts/publish.sh)"
  scripts/publish.sh
  log "building engine-loadgen, the YARP peer and the report tool"
  for project in perf/Engine.LoadGen perf/Engine.YarpPeer perf/Engine.BenchReport; do
    dotnet build "$project" -c Release -nologo -v quiet >/dev/null || { dotnet build "$project" -c Release -nologo -v quiet; exit 1; }
  done
fi
# In --profile mode run the published binary itself: its debug symbols (Engine.Host.dbg) sit
# beside it, so perf names the engine's functions and uprobes can be placed on the runtime's
# allocation helpers.
[ "$PROFILE" = 1 ] && ENGINE="$ROOT/artifacts/publish/Engine.Host"
for binary in "$ENGINE" "$LOADGEN" "$YARP" "$REPORT"; do
  [ -x "$binary" ] || { echo "bench: $binary is missing (run without --no-build)" >&2; exit 1; }
done

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
if [ "$PROFILE" = 1 ]; then
  STAMP=$STAMP-profile
  [[ ",$TARGETS," == *",direct,"* ]] && TARGETS=${TARGETS//direct/} && TARGETS=${TARGETS//,,/,} && TARGETS=${TARGETS#,} && TARGETS=${TARGETS%,}
fi
OUT=${OUT:-perf/results/$STAMP}
RUN_DIR="$ROOT/artifacts/bench/$STAMP"
mkdir -p "$RUN_DIR/www" "$RUN_DIR/engine" "$RUN_DIR/nginx-temp" "$OUT"
RESULTS="$RUN_DIR/results.jsonl"
: > "$RESULTS"
CLK_TCK=$(getconf CLK_TCK)
SERVICE_HOST=upstream.bench

UPSTREAM_PORT=${BENCH_PORT_BASE:-18080}
case "$UPSTREAM_PORT" in ''|*[!0-9]*) echo "bench: BENCH_PORT_BASE '$UPSTREAM_PORT' is not a port" >&2; exit 2 ;; esac
[ "$UPSTREAM_PORT" -ge 1024 ] && [ "$UPSTREAM_PORT" -le 65000 ] || { echo "bench: BENCH_PORT_BASE must be 1024..65000" >&2; exit 2; }
declare -A PORT=([direct]=$UPSTREAM_PORT [engine]=$((UPSTREAM_PORT+1)) [nginx]=$((UPSTREAM_PORT+2)) [haproxy]=$((UPSTREAM_PORT+3)) [yarp]=$((UPSTREAM_PORT+4)) [engine-kestrel]=$((UPSTREAM_PORT+5)))
# h2c (HTTP/2 with prior knowledge) listeners: the engine sniffs HTTP/1.1 and h2c on one port;
# nginx, HAProxy and YARP take h2c on a second listener. direct has none: the upstream speaks
# HTTP/1.1 only, as a sidecar's application usually does.
declare -A H2C_PORT=([engine]=${PORT[engine]} [engine-kestrel]=${PORT[engine-kestrel]} [nginx]=$((UPSTREAM_PORT+6)) [haproxy]=$((UPSTREAM_PORT+7)) [yarp]=$((UPSTREAM_PORT+8)))
STARTUP_PORT=$((UPSTREAM_PORT+11))

# ---------------------------------------------------------------------------------------------
# Processes: every one started here is tracked by PID and stopped on exit.
# ---------------------------------------------------------------------------------------------
PIDS=()

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || kept+=("$i"); done
  PIDS=("${kept[@]}")
}

UPROBES=0
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  [ "$UPROBES" = 0 ] || perf probe -q -d 'enginebench:*' >/dev/null 2>&1 || true
  # An interrupted run leaves no empty report folder behind.
  rmdir "$OUT" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to 15 s for a port to accept; fails early if the process died.
wait_port() {
  local port=$1 pid=$2 i
  for i in $(seq 1 1500); do
    port_open "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

# The process and all its descendants (nginx: master and worker).
tree_pids() {
  local pid=$1 child
  echo "$pid"
  for child in $(pgrep -P "$pid" 2>/dev/null || true); do tree_pids "$child"; done
}

# utime + stime in clock ticks, summed over the given PIDs (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# A /proc/PID/status field in kB (VmRSS, VmHWM), summed over the given PIDs.
mem_kb() {
  local field=$1 total=0 pid v
  shift
  for pid in "$@"; do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# Sets CHILD_TICKS to the CPU ticks (user+sys) of this shell's reaped children so far. `times`
# must run in this shell, never in a $(…) subshell (which would report its own children), so
# call it as a plain command. Taken right before and after the load generator runs in the
# foreground, the difference is the generator's CPU.
CHILD_TICKS=0
read_children_ticks() {
  times > "$RUN_DIR/.times"
  CHILD_TICKS=$(awk -v tck="$CLK_TCK" 'NR == 2 {
      t = 0
      for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
      printf("%d\n", t * tck + 0.5)
    }' "$RUN_DIR/.times")
}

# "busy total" clock ticks of one core (cpuN line of /proc/stat; idle and iowait are not busy).
core_ticks() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# Busy percentage of the whole machine over one second.
machine_busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat)
  sleep 1
  read -r b1 t1 < <(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat)
  echo $(( (b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
}

# Other sessions' builds share this machine: before measuring a target, wait (bounded) until
# nothing else is using more than 10% of it. Only the idle upstream of ours is running then.
wait_quiet() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  local waited=0 pct
  pct=$(machine_busy_pct)
  while [ "$pct" -gt 10 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
    [ "$waited" = 0 ] && log "  machine busy (${pct}% CPU used by other processes); waiting up to ${QUIET_WAIT}s"
    pct=$(machine_busy_pct)
    waited=$((waited + 1))
  done
  [ "$pct" -le 10 ] || log "  still busy (${pct}%); measuring anyway: see the noise columns"
}

json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

# ---------------------------------------------------------------------------------------------
# Upstream: nginx, one worker, on the load generator's core: a 13-byte body and a 64 KiB body.
# ---------------------------------------------------------------------------------------------
# shellcheck source=scripts/bench-upstream.sh
. "$ROOT/scripts/bench-upstream.sh"
write_bench_upstream "$RUN_DIR" "$UPSTREAM_PORT"

# nginx as a reverse proxy: one worker, upstream keep-alive, buffers big enough that a 64 KiB
# response never goes to a temp file.
cat > "$RUN_DIR/nginx-proxy.conf" <<EOF
worker_processes 1;
daemon off;
pid $RUN_DIR/nginx-proxy.pid;
error_log $RUN_DIR/nginx-proxy-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $RUN_DIR/nginx-temp/proxy-body;
  proxy_temp_path $RUN_DIR/nginx-temp/proxy-temp;
  upstream backend {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 256;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:${PORT[nginx]} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffer_size 16k;
      proxy_buffers 8 16k;
    }
  }
  # h2c with prior knowledge (no TLS, so no ALPN): HTTP/2 only on this port; same proxying.
  server {
    listen 127.0.0.1:${H2C_PORT[nginx]} http2 backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffer_size 16k;
      proxy_buffers 8 16k;
    }
  }
}
EOF

# HAProxy: HTTP mode, one thread, server connections reused always.
cat > "$RUN_DIR/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:${PORT[haproxy]}
  default_backend be
# h2c with prior knowledge; the backend stays HTTP/1.1.
frontend fe_h2c
  bind 127.0.0.1:${H2C_PORT[haproxy]} proto h2
  default_backend be
backend be
  server upstream 127.0.0.1:$UPSTREAM_PORT
EOF

# The engine: one ServiceEntry for the upstream; requests carry Host: upstream.bench, so the
# default route (no VirtualService) sends them to outbound|$UPSTREAM_PORT||upstream.bench.
write_bench_service_entry "$RUN_DIR/engine/upstream.yaml" "$SERVICE_HOST" "$UPSTREAM_PORT"

for port in "${PORT[@]}" "${H2C_PORT[@]}"; do
  if port_open "$port"; then
    echo "bench: port $port is already in use; stop whatever listens there" >&2
    exit 1
  fi
done
! port_open "$STARTUP_PORT" || { echo "bench: port $STARTUP_PORT is already in use" >&2; exit 1; }

log "upstream: nginx on 127.0.0.1:$UPSTREAM_PORT (core $LOAD_CPU)"
taskset -c "$LOAD_CPU" nginx -c "$RUN_DIR/upstream.conf" -e "$RUN_DIR/upstream-error.log" >"$RUN_DIR/upstream.log" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
wait_port "$UPSTREAM_PORT" "$UPSTREAM_PID" || { cat "$RUN_DIR/upstream.log" >&2; echo "bench: upstream nginx did not start" >&2; exit 1; }

# Returns "STATUS BYTES" for GET /PATH through a port.
probe() { curl -s -o /dev/null --max-time 5 -H "Host: $SERVICE_HOST" -w '%{http_code} %{size_download}' "http://127.0.0.1:$1/$2" || echo "000 0"; }

# The same over h2c with prior knowledge: "STATUS BYTES HTTP-VERSION" (the version must be 2).
probe_h2c() { curl -s -o /dev/null --max-time 5 --http2-prior-knowledge -H "Host: $SERVICE_HOST" -w '%{http_code} %{size_download} %{http_version}' "http://127.0.0.1:$1/$2" || echo "000 0 0"; }

[ "$(probe "$UPSTREAM_PORT" small)" = "200 13" ] && [ "$(probe "$UPSTREAM_PORT" 64k)" = "200 65536" ] \
  || { echo "bench: the upstream does not answer as expected" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------
TARGET_PID=""

start_target() {
  local target=$1 log_file="$RUN_DIR/$1.log"
  TARGET_PID=""
  case "$target" in
    direct) return 0 ;;
    engine) taskset -c "$PROXY_CPU" "$ENGINE" run --config "$RUN_DIR/engine" --listen "127.0.0.1:${PORT[engine]}" --log-level warn --access-log off --admin none >"$log_file" 2>&1 & ;;
    engine-kestrel) ENGINE_TRANSPORT=kestrel taskset -c "$PROXY_CPU" "$ENGINE" run --config "$RUN_DIR/engine" --listen "127.0.0.1:${PORT[engine-kestrel]}" --log-level warn --access-log off --admin none >"$log_file" 2>&1 & ;;
    nginx) taskset -c "$PROXY_CPU" nginx -c "$RUN_DIR/nginx-proxy.conf" -e "$RUN_DIR/nginx-proxy-error.log" >"$log_file" 2>&1 & ;;
    haproxy) taskset -c "$PROXY_CPU" haproxy -db -f "$RUN_DIR/haproxy.cfg" >"$log_file" 2>&1 & ;;
    yarp) taskset -c "$PROXY_CPU" "$YARP" --listen "127.0.0.1:${PORT[yarp]}" --listen-h2c "127.0.0.1:${H2C_PORT[yarp]}" --upstream "http://127.0.0.1:$UPSTREAM_PORT/" >"$log_file" 2>&1 & ;;
  esac
  TARGET_PID=$!
  PIDS+=("$TARGET_PID")
  wait_port "${PORT[$target]}" "$TARGET_PID" || return 1
  # A peer whose h2c listener does not come up is still measured over HTTP/1.1: its h2c probe fails.
  [ "$H2C" = 0 ] || [ -z "${H2C_PORT[$target]:-}" ] || wait_port "${H2C_PORT[$target]}" "$TARGET_PID" || true
}

record() { printf '%s\n' "$1" >> "$RESULTS"; }

# One wrk measurement: throughput and closed-loop latency, and the CPU the proxy (and the
# upstream) spent on it.
measure_wrk_once() {
  local target=$1 run=$2 body=$3 conns=$4
  CELL_JSON=""
  CELL_NOISE=0
  local port=${PORT[$target]} out="$RUN_DIR/wrk-$target-$body-c$conns-r$run.txt"
  local pids=() upstream_pids c0 c1 u0 u1
  [ -n "$TARGET_PID" ] && mapfile -t pids < <(tree_pids "$TARGET_PID")
  mapfile -t upstream_pids < <(tree_pids "$UPSTREAM_PID")
  local pb0 pt0 pb1 pt1 lb0 lt0 lb1 lt1
  read -r pb0 pt0 < <(core_ticks "$PROXY_CPU"); read -r lb0 lt0 < <(core_ticks "$LOAD_CPU")
  c0=$(cpu_ticks "${pids[@]}"); u0=$(cpu_ticks "${upstream_pids[@]}")
  local g0 g1
  read_children_ticks; g0=$CHILD_TICKS
  taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 5s -H "Host: $SERVICE_HOST" \
    -s "$ROOT/perf/wrk/report.lua" "http://127.0.0.1:$port/$body" >"$out" 2>&1 || true
  read_children_ticks; g1=$CHILD_TICKS
  c1=$(cpu_ticks "${pids[@]}"); u1=$(cpu_ticks "${upstream_pids[@]}")
  read -r pb1 pt1 < <(core_ticks "$PROXY_CPU"); read -r lb1 lt1 < <(core_ticks "$LOAD_CPU")
  local line
  line=$(sed -n 's/^BENCH //p' "$out")
  if [ -z "$line" ]; then
    log "  $target $body c=$conns: wrk reported nothing (see $out)"
    record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"wrk $body c=$conns\",\"detail\":\"$(json_escape "$(tail -3 "$out" | tr '\n' ' ')")\"}"
    return 0
  fi
  declare -A m=()
  local kv
  for kv in $line; do m[${kv%%=*}]=${kv#*=}; done
  local errors=$((m[err_connect] + m[err_read] + m[err_write] + m[err_status] + m[err_timeout]))
  local json
  json=$(awk -v t="$target" -v r="$run" -v b="$body" -v c="$conns" -v req="${m[requests]}" -v dur="${m[duration_us]}" \
    -v p50="${m[p50]}" -v p90="${m[p90]}" -v p99="${m[p99]}" -v p999="${m[p999]}" -v max="${m[max]}" -v bytes="${m[bytes]}" \
    -v errs="$errors" -v es="${m[err_status]}" -v cpu=$((c1 - c0)) -v up=$((u1 - u0)) -v tck="$CLK_TCK" -v proxied="${#pids[@]}" \
    -v pb=$((pb1 - pb0)) -v pt=$((pt1 - pt0)) -v lb=$((lb1 - lb0)) -v lt=$((lt1 - lt0)) -v gen=$((g1 - g0)) 'BEGIN {
      rps = req / (dur / 1e6); cpu_s = cpu / tck; up_s = up / tck;
      per = (proxied > 0 && req > 0) ? sprintf("%.3f", cpu_s / req * 1e5) : "null";
      upper = req > 0 ? sprintf("%.3f", up_s / req * 1e5) : "null";
      printf("{\"kind\":\"wrk\",\"target\":\"%s\",\"run\":%d,\"body\":\"%s\",\"connections\":%d,\"requests\":%d,\"seconds\":%.3f,\"rps\":%.1f,", t, r, b, c, req, dur / 1e6, rps);
      printf("\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"max_us\":%d,\"bytes\":%d,\"errors\":%d,\"status_errors\":%d,", p50, p90, p99, p999, max, bytes, errs, es);
      printf("\"cpu_s\":%.2f,\"cpu_s_per_100k\":%s,\"upstream_cpu_s_per_100k\":%s,", proxied > 0 ? cpu_s : 0, per, upper);
      foreign = pt > 0 ? (pb - (proxied > 0 ? cpu : 0)) * 100 / pt : 0; if (foreign < 0) foreign = 0;
      lforeign = lt > 0 ? (lb - up - gen) * 100 / lt : 0; if (lforeign < 0) lforeign = 0;
      printf("\"proxy_core_busy_pct\":%.1f,\"proxy_core_other_pct\":%.1f,\"load_core_busy_pct\":%.1f,\"load_core_other_pct\":%.1f,\"generator_cpu_s\":%.2f}", pt > 0 ? pb * 100 / pt : 0, foreign, lt > 0 ? lb * 100 / lt : 0, lforeign, gen / tck);
    }')
  CELL_JSON=$json
  CELL_NOISE=$(noise_pct "$json")
  log "  $(printf '%-7s %-5s c=%-3s' "$target" "$body" "$conns") $(awk -v j="$json" 'BEGIN { match(j, /"rps":[0-9.]+/); r = substr(j, RSTART + 6, RLENGTH - 6); match(j, /"p99_us":[0-9]+/); p = substr(j, RSTART + 9, RLENGTH - 9); match(j, /"cpu_s_per_100k":[0-9.a-z]+/); c = substr(j, RSTART + 17, RLENGTH - 17); printf("%8.0f req/s  p99 %6.0f us  %s CPU-s/100k", r, p, c) }')$([ "$errors" -gt 0 ] && echo "  ERRORS $errors")"
}

# One fixed-rate measurement with engine-loadgen (open loop, latency from the intended send time).
measure_rate_once() {
  local target=$1 run=$2 rate=$3 protocol=${4:-http1} round=${5:-1}
  CELL_JSON=""
  CELL_NOISE=0
  local port=${PORT[$target]} file="rate-$target-$rate-r$run-$round.json" proto_args=()
  if [ "$protocol" = h2c ]; then
    # h2c: 2 connections x 8 streams (16 slots, as over HTTP/1.1) to the target's h2c listener.
    port=${H2C_PORT[$target]}
    file="rate-h2c-$target-$rate-r$run-$round.json"
    proto_args=(--protocol h2c --streams 8)
  fi
  local pids=() upstream_pids c0 c1 u0 u1 g0 g1 pb0 pt0 pb1 pt1 lb0 lt0 lb1 lt1
  [ -n "$TARGET_PID" ] && mapfile -t pids < <(tree_pids "$TARGET_PID")
  mapfile -t upstream_pids < <(tree_pids "$UPSTREAM_PID")
  read -r pb0 pt0 < <(core_ticks "$PROXY_CPU"); read -r lb0 lt0 < <(core_ticks "$LOAD_CPU")
  c0=$(cpu_ticks "${pids[@]}"); u0=$(cpu_ticks "${upstream_pids[@]}")
  read_children_ticks; g0=$CHILD_TICKS
  taskset -c "$LOAD_CPU" "$LOADGEN" run --url "http://127.0.0.1:$port/small" --host "$SERVICE_HOST" \
    --rate "$rate" --connections $([ "$protocol" = h2c ] && echo 2 || echo 16) "${proto_args[@]}" --duration "${RATE_DURATION}s" --warmup 1s --drain-timeout 5s \
    --progress 0 --json "$RUN_DIR/$file" >"$RUN_DIR/${file%.json}.log" 2>&1 || true
  read_children_ticks; g1=$CHILD_TICKS
  c1=$(cpu_ticks "${pids[@]}"); u1=$(cpu_ticks "${upstream_pids[@]}")
  read -r pb1 pt1 < <(core_ticks "$PROXY_CPU"); read -r lb1 lt1 < <(core_ticks "$LOAD_CPU")
  if [ ! -s "$RUN_DIR/$file" ]; then
    log "  $target rate $rate $protocol: engine-loadgen wrote nothing (see ${file%.json}.log)"
    record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"rate $rate $protocol\",\"detail\":\"$(json_escape "$(tail -3 "$RUN_DIR/${file%.json}.log" | tr '\n' ' ')")\"}"
    return 0
  fi
  CELL_JSON="{\"kind\":\"rate\",\"protocol\":\"$protocol\",\"target\":\"$target\",\"run\":$run,\"round\":$round,\"rate\":$rate,\"file\":\"$file\",$(awk -v c=$((c1 - c0)) -v t="$CLK_TCK" -v p="${#pids[@]}" \
    -v pb=$((pb1 - pb0)) -v pt=$((pt1 - pt0)) -v lb=$((lb1 - lb0)) -v lt=$((lt1 - lt0)) -v up=$((u1 - u0)) -v gen=$((g1 - g0)) 'BEGIN {
      foreign = pt > 0 ? (pb - (p > 0 ? c : 0)) * 100 / pt : 0; if (foreign < 0) foreign = 0;
      lforeign = lt > 0 ? (lb - up - gen) * 100 / lt : 0; if (lforeign < 0) lforeign = 0;
      printf("\"cpu_s\":%.2f,\"proxy_core_other_pct\":%.1f,\"load_core_busy_pct\":%.1f,\"load_core_other_pct\":%.1f,\"generator_cpu_s\":%.2f", p > 0 ? c / t : 0, foreign, lt > 0 ? lb * 100 / lt : 0, lforeign, gen / t) }')}"
  CELL_NOISE=$(noise_pct "$CELL_JSON")
  log "  $(printf '%-7s rate %-5s' "$target" "$rate")$([ "$protocol" = h2c ] && echo ' h2c') $(sed -n '2p' "$RUN_DIR/${file%.json}.log" | sed 's/^ *//')"
}

# One h2load measurement: h2c with prior knowledge to the proxy (CLIENTS connections, STREAMS
# concurrent streams each), HTTP/1.1 from the proxy to the upstream. h2load has no latency
# histogram: it prints min / max / mean / sd of "time for request", and that is what is recorded.
# The service host goes in :authority, not in a host header: h2load would send `host` beside its
# own `:authority: 127.0.0.1:PORT`, and a request whose Host differs from :authority is malformed
# (RFC 9113 §8.3.1): nginx answers 400, the engine resets the stream.
measure_h2c_once() {
  local target=$1 run=$2 body=$3
  CELL_JSON=""
  CELL_NOISE=0
  local port=${H2C_PORT[$target]} out="$RUN_DIR/h2load-$target-$body-r$run.txt"
  local pids=() upstream_pids c0 c1 u0 u1 g0 g1 pb0 pt0 pb1 pt1 lb0 lt0 lb1 lt1
  [ -n "$TARGET_PID" ] && mapfile -t pids < <(tree_pids "$TARGET_PID")
  mapfile -t upstream_pids < <(tree_pids "$UPSTREAM_PID")
  read -r pb0 pt0 < <(core_ticks "$PROXY_CPU"); read -r lb0 lt0 < <(core_ticks "$LOAD_CPU")
  c0=$(cpu_ticks "${pids[@]}"); u0=$(cpu_ticks "${upstream_pids[@]}")
  read_children_ticks; g0=$CHILD_TICKS
  # -D bounds the run; timeout bounds a stuck h2load (a connection that never finishes).
  timeout -k 5 $((H2C_DURATION + 20)) taskset -c "$LOAD_CPU" h2load -t 1 -c "$H2C_CLIENTS" -m "$H2C_STREAMS" -D "$H2C_DURATION" \
    -H ":authority: $SERVICE_HOST" "http://127.0.0.1:$port/$body" >"$out" 2>&1 || true
  read_children_ticks; g1=$CHILD_TICKS
  c1=$(cpu_ticks "${pids[@]}"); u1=$(cpu_ticks "${upstream_pids[@]}")
  read -r pb1 pt1 < <(core_ticks "$PROXY_CPU"); read -r lb1 lt1 < <(core_ticks "$LOAD_CPU")
  # "finished in 3.00s, 12345.67 req/s, ..."; "requests: T total, S started, D done, OK succeeded,
  # F failed, E errored, X timeout"; "status codes: a 2xx, b 3xx, c 4xx, d 5xx";
  # "time for request: MIN MAX MEAN SD +/-SD" with units us, ms or s.
  local parsed
  parsed=$(awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1e6; return v + 0 }
    /^finished in/ { secs = $3 + 0; rps = $4 + 0 }
    /^requests:/ { done = $6; ok = $8; failed = $10; errored = $12; timeout = $14 }
    /^status codes:/ { s2 = $3; s3 = $5; s4 = $7; s5 = $9 }
    /^time for request:/ { min = us($4); max = us($5); mean = us($6); sd = us($7); lat = 1 }
    END { if (secs > 0 && lat) printf("%s %s %d %d %d %d %d %d %d %d %d %.0f %.0f %.0f %.0f\n", secs, rps, done, ok, failed, errored, timeout, s2, s3, s4, s5, min, max, mean, sd) }' "$out")
  if [ -z "$parsed" ]; then
    log "  $target h2c $body: h2load reported nothing (see $out)"
    record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"h2load $body\",\"detail\":\"$(json_escape "$(tail -3 "$out" | tr '\n' ' ')")\"}"
    return 0
  fi
  local json
  json=$(awk -v t="$target" -v r="$run" -v b="$body" -v cl="$H2C_CLIENTS" -v st="$H2C_STREAMS" -v p="$parsed" \
    -v cpu=$((c1 - c0)) -v up=$((u1 - u0)) -v tck="$CLK_TCK" -v proxied="${#pids[@]}" \
    -v pb=$((pb1 - pb0)) -v pt=$((pt1 - pt0)) -v lb=$((lb1 - lb0)) -v lt=$((lt1 - lt0)) -v gen=$((g1 - g0)) 'BEGIN {
      split(p, f, " "); secs = f[1]; done = f[3]; failed = f[5]; s2 = f[8];
      # req/s counts 2xx answers only (the figure h2load prints, every answer, is kept as h2load_rps),
      # so that a proxy answering 400 fast does not look fast.
      rps = secs > 0 ? s2 / secs : 0;
      # Failures: every request h2load counts as failed (errored and timed out included), plus
      # any that completed without a 2xx status.
      other = done - failed - s2; if (other < 0) other = 0; errs = failed + other;
      cpu_s = cpu / tck; up_s = up / tck;
      per = (proxied > 0 && done > 0) ? sprintf("%.3f", cpu_s / done * 1e5) : "null";
      upper = done > 0 ? sprintf("%.3f", up_s / done * 1e5) : "null";
      printf("{\"kind\":\"h2c\",\"target\":\"%s\",\"run\":%d,\"body\":\"%s\",\"clients\":%d,\"streams\":%d,\"requests\":%d,\"seconds\":%.3f,\"rps\":%.1f,\"h2load_rps\":%.1f,", t, r, b, cl, st, done, secs, rps, f[2]);
      printf("\"min_us\":%d,\"max_us\":%d,\"mean_us\":%d,\"sd_us\":%d,\"errors\":%d,\"failed\":%d,\"errored\":%d,\"timeout\":%d,\"status_2xx\":%d,\"status_3xx\":%d,\"status_4xx\":%d,\"status_5xx\":%d,", f[12], f[13], f[14], f[15], errs, failed, f[6], f[7], s2, f[9], f[10], f[11]);
      printf("\"cpu_s\":%.2f,\"cpu_s_per_100k\":%s,\"upstream_cpu_s_per_100k\":%s,", proxied > 0 ? cpu_s : 0, per, upper);
      foreign = pt > 0 ? (pb - (proxied > 0 ? cpu : 0)) * 100 / pt : 0; if (foreign < 0) foreign = 0;
      lforeign = lt > 0 ? (lb - up - gen) * 100 / lt : 0; if (lforeign < 0) lforeign = 0;
      printf("\"proxy_core_busy_pct\":%.1f,\"proxy_core_other_pct\":%.1f,\"load_core_busy_pct\":%.1f,\"load_core_other_pct\":%.1f,\"generator_cpu_s\":%.2f}", pt > 0 ? pb * 100 / pt : 0, foreign, lt > 0 ? lb * 100 / lt : 0, lforeign, gen / tck);
    }')
  CELL_JSON=$json
  CELL_NOISE=$(noise_pct "$json")
  log "  $(printf '%-7s h2c %-5s' "$target" "$body") $(awk -v j="$json" 'BEGIN { match(j, /"rps":[0-9.]+/); r = substr(j, RSTART + 6, RLENGTH - 6); match(j, /"mean_us":[0-9]+/); m = substr(j, RSTART + 10, RLENGTH - 10); match(j, /"max_us":[0-9]+/); x = substr(j, RSTART + 9, RLENGTH - 9); match(j, /"cpu_s_per_100k":[0-9.a-z]+/); c = substr(j, RSTART + 17, RLENGTH - 17); match(j, /"errors":[0-9]+/); e = substr(j, RSTART + 9, RLENGTH - 9); printf("%8.0f req/s  mean %6.0f us  max %7.0f us  %s CPU-s/100k%s", r, m, x, c, e > 0 ? "  ERRORS " e : "") }')"
}

# ---------------------------------------------------------------------------------------------
# --profile: where each proxy's time goes. strace counts every syscall of every thread while
# engine-loadgen sends a fixed 2,000 requests/s (strace slows the traced process, so the rate is
# kept well below saturation: counts per request stay exact, timings do not); perf samples the
# on-CPU stacks under wrk at 64 connections (AOT and C binaries have native symbols).
# ---------------------------------------------------------------------------------------------
# Counts every syscall of every thread of the target while engine-loadgen sends PATH at RATE/s
# for 5 s, and appends a per-request table to profile.md.
strace_pass() {
  local target=$1 path=$2 rate=$3 port=${PORT[$1]} dir="$OUT" requests tids=() args=() tid spid pid
  mapfile -t tp < <(tree_pids "$TARGET_PID")
  for pid in "${tp[@]}"; do
    for tid in /proc/"$pid"/task/*; do tids+=("${tid##*/}"); done
  done
  for tid in "${tids[@]}"; do args+=(-p "$tid"); done
  strace -f -c -o "$dir/strace-$target-$path.txt" "${args[@]}" 2>/dev/null &
  spid=$!
  PIDS+=("$spid")
  sleep 1
  taskset -c "$LOAD_CPU" "$LOADGEN" run --url "http://127.0.0.1:$port/$path" --host "$SERVICE_HOST" --rate "$rate" \
    --connections 16 --duration 5s --warmup 0s --progress 0 --json "$dir/strace-$target-$path-load.json" >/dev/null 2>&1 || true
  kill -INT "$spid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
  stop_pid "$spid"
  requests=$(awk -F': ' '/"completed"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' "$dir/strace-$target-$path-load.json" 2>/dev/null || true)
  requests=${requests:-0}
  # strace -c table: % time, seconds, usecs/call, calls, [errors,] syscall.
  awk -v t="$target" -v n="$requests" -v p="/$path" -v r="$rate" 'BEGIN { printf("### %s: syscalls per request, %s (%d requests at %s/s)\n\n| syscall | calls/request | errors/request |\n|---|---:|---:|\n", t, p, n, r) }
    /^-/ || /^%/ || NF < 5 { next }
    $NF == "total" { total = $4; terr = (NF == 6 ? $5 : 0); next }
    { calls = $4; errs = (NF == 6 ? $5 : 0); if (n > 0 && calls / n >= 0.01) printf("| %s | %.2f | %.2f |\n", $NF, calls / n, errs / n) }
    END { if (n > 0) printf("| **total** | **%.2f** | %.2f |\n\n", total / n, terr / n) }' "$dir/strace-$target-$path.txt" >> "$dir/profile.md"
}

# Rescheduling and function-call interrupts, every CPU, summed from /proc/interrupts.
interprocessor_interrupts() {
  awk '/^ *(RES|CAL):/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}

# Wake-ups of the other core per request under wrk -c64: on loopback, a send that wakes a peer
# asleep on the other core costs an interprocessor interrupt, paid by the sender inside sendto
# (perf/README.md, "Where the time goes"). System-wide: wrk and the upstream count too, alike
# for every target, so compare targets, not absolute numbers.
wakeup_pass() {
  local target=$1 port=${PORT[$1]} dir="$OUT" before after requests
  before=$(interprocessor_interrupts)
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d5s -H "Host: $SERVICE_HOST" "http://127.0.0.1:$port/small" > "$dir/wakeups-$target-wrk.txt" 2>&1 || true
  after=$(interprocessor_interrupts)
  requests=$(awk '/requests in/ { print $1; exit }' "$dir/wakeups-$target-wrk.txt")
  requests=${requests:-0}
  awk -v t="$target" -v n="$requests" -v d="$((after - before))" 'BEGIN {
    printf("### %s: wake-ups of the other core per request (wrk -c64, /small)\n\n", t)
    if (n > 0) printf("%d interprocessor interrupts (RES + CAL, every CPU) over %d requests: **%.3f per request**.\n\n", d, n, d / n)
    else printf("wrk completed no request.\n\n") }' >> "$dir/profile.md"
}

profile_target() {
  local target=$1 port=${PORT[$1]}
  local dir="$OUT"
  strace_pass "$target" small 2000
  strace_pass "$target" 64k 1000
  wakeup_pass "$target"
  mapfile -t tp < <(tree_pids "$TARGET_PID")

  # CPU profile under wrk, 64 connections.
  perf record -q -F 999 -g -o "$dir/perf-$target.data" -p "$(IFS=,; echo "${tp[*]}")" -- sleep 6 >/dev/null 2>&1 &
  local ppid=$!
  PIDS+=("$ppid")
  sleep 0.5
  taskset -c "$LOAD_CPU" wrk -t1 -c64 -d5s -H "Host: $SERVICE_HOST" "http://127.0.0.1:$port/small" > "$dir/perf-$target-wrk.txt" 2>&1 || true
  wait "$ppid" 2>/dev/null || true
  stop_pid "$ppid"
  if [ -s "$dir/perf-$target.data" ]; then
    perf report -i "$dir/perf-$target.data" --stdio --no-children --percent-limit 0.3 --sort dso,symbol 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -80 > "$dir/perf-$target.txt" || true
    {
      echo "### $target: where on-CPU time goes (perf, under wrk -c64)"
      echo
      echo '```'
      perf report -i "$dir/perf-$target.data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -6 || true
      echo '```'
      echo
      echo "Hottest functions outside the kernel:"
      echo
      echo '```'
      grep -v kallsyms "$dir/perf-$target.txt" | head -20 | sed 's/ *- *- *$//' || true
      echo '```'
      echo
    } >> "$dir/profile.md"
    rm -f "$dir/perf-$target.data" "$dir/perf-$target.data.old"
  fi
  if [ "$target" != direct ]; then
    { echo "### $target: memory after load"; echo; echo '```'; grep -E '^(Rss|Pss_Anon|Pss_File|Anonymous)' /proc/"$TARGET_PID"/smaps_rollup 2>/dev/null || true; grep -E '^(VmHWM|VmRSS|Threads)' /proc/"$TARGET_PID"/status || true; echo '```'; echo; } >> "$dir/profile.md"
  fi
}

# A markdown table of `perf stat -x,` counts of the enginebench:* probes, per request.
# Usage: allocation_table TITLE REQUESTS CSV
allocation_table() {
  echo "### engine: $1"
  echo
  echo "| helper | calls/request |"
  echo "|---|---:|"
  awk -F, -v n="$2" '$3 ~ /enginebench:/ { sub(/enginebench:/, "", $3); if (n > 0) printf("| %s | %.3f |\n", $3, $1 / n) }' "$3"
  echo
}

# Engine only: count the runtime's allocation helpers and GCs per request with uprobes (each hit
# traps, so this runs at the same modest fixed rate), then record which methods allocate.
profile_allocations() {
  local port=${PORT[engine]} dbg="$ENGINE.dbg" dir="$OUT" probe requests
  [ -f "$dbg" ] || { log "  no $dbg: allocation probes skipped"; return 0; }
  perf probe -q -d 'enginebench:*' >/dev/null 2>&1 || true
  UPROBES=1
  # The GC entry point is a C++ symbol perf probe cannot parse: place that one by address.
  local gc_address
  gc_address=$(nm "$dbg" | awk '/GCHeap.*GarbageCollectGeneration/ { print $1; exit }' || true)
  for probe in obj=RhpNewFast array=RhpNewArrayFast ptrarray=RhpNewPtrArrayFast object=RhpNewObject varsize=RhpNewVariableSizeObject string=RhNewString ${gc_address:+gc=0x$gc_address}; do
    perf probe -q -x "$ENGINE" -a "enginebench:$probe" >/dev/null 2>&1 || log "  uprobe $probe not placed"
  done
  perf stat -x, -e 'enginebench:*' -p "$TARGET_PID" -o "$dir/allocations-engine.csv" -- sleep 6 >/dev/null 2>&1 &
  local spid=$!
  PIDS+=("$spid")
  sleep 0.5
  taskset -c "$LOAD_CPU" "$LOADGEN" run --url "http://127.0.0.1:$port/small" --host "$SERVICE_HOST" --rate 2000 \
    --connections 16 --duration 5s --warmup 0s --progress 0 --json "$dir/allocations-engine-load.json" >/dev/null 2>&1 || true
  wait "$spid" 2>/dev/null || true
  stop_pid "$spid"
  requests=$(awk -F': ' '/"completed"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' "$dir/allocations-engine-load.json" 2>/dev/null)
  requests=${requests:-0}
  allocation_table "allocations and GCs per request (uprobes on the runtime's allocation helpers, $requests requests at 2,000/s)" \
    "$requests" "$dir/allocations-engine.csv" >> "$dir/profile.md"

  # The same count over h2c (h2load, HTTP/2 downstream, HTTP/1.1 upstream), a fixed number of
  # requests after a warm-up: the HTTP/2 path's share of the "0 B per request" goal.
  if [ "$H2C" = 1 ]; then
    timeout 60 taskset -c "$LOAD_CPU" h2load -t 1 -c "$H2C_CLIENTS" -m "$H2C_STREAMS" -n 20000 \
      -H ":authority: $SERVICE_HOST" "http://127.0.0.1:$port/small" >/dev/null 2>&1 || true
    perf stat -x, -e 'enginebench:*' -p "$TARGET_PID" -o "$dir/allocations-engine-h2c.csv" -- sleep 30 >/dev/null 2>&1 &
    spid=$!
    PIDS+=("$spid")
    sleep 0.5
    local h2c_out
    h2c_out=$(timeout 60 taskset -c "$LOAD_CPU" h2load -t 1 -c "$H2C_CLIENTS" -m "$H2C_STREAMS" -n 50000 \
      -H ":authority: $SERVICE_HOST" "http://127.0.0.1:$port/small" 2>&1 || true)
    # End the count now: perf stat writes it when its workload (the sleep) exits.
    pkill -TERM -P "$spid" -x sleep 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    stop_pid "$spid"
    requests=$(awk '/^requests:/ { print $8 }' <<<"$h2c_out")
    requests=${requests:-0}
    allocation_table "allocations and GCs per request over h2c (h2load -c$H2C_CLIENTS -m$H2C_STREAMS, $requests requests after 20,000 to warm up)" \
      "$requests" "$dir/allocations-engine-h2c.csv" >> "$dir/profile.md"
  fi

  # Who allocates: the method that called each RhpNewFast (the common small-object helper).
  perf record -q -e enginebench:obj -g -p "$TARGET_PID" -o "$dir/allocations.data" -- sleep 4 >/dev/null 2>&1 &
  spid=$!
  PIDS+=("$spid")
  sleep 0.5
  taskset -c "$LOAD_CPU" "$LOADGEN" run --url "http://127.0.0.1:$port/small" --host "$SERVICE_HOST" --rate 2000 \
    --connections 16 --duration 3s --warmup 0s --progress 0 --json "$dir/allocations-sites-load.json" >/dev/null 2>&1 || true
  wait "$spid" 2>/dev/null || true
  stop_pid "$spid"
  requests=$(awk -F': ' '/"completed"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' "$dir/allocations-sites-load.json" 2>/dev/null)
  {
    echo "### engine: who calls RhpNewFast ($requests requests; count, then the allocating method)"
    echo
    echo '```'
    perf script -i "$dir/allocations.data" 2>/dev/null | awk '
      /^[^ \t]/ { want = 0; next }
      /RhpNewFast/ { want = 1; next }
      want == 1 && NF >= 2 { sub(/\+0x[0-9a-f]+$/, "", $2); count[$2]++; want = 0 }
      END { for (k in count) printf("%7d  %s\n", count[k], k) }' | sort -rn | head -15 || true
    echo '```'
    echo
  } >> "$dir/profile.md"
  rm -f "$dir/allocations.data" "$dir/allocations.data.old"
  perf probe -q -d 'enginebench:*' >/dev/null 2>&1 || true
  UPROBES=0
}

if [ "$PROFILE" = 1 ]; then
  IFS=, read -r -a TARGET_LIST <<< "$TARGETS"
  {
    echo "# Where the time goes — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "From \`scripts/bench.sh --profile\`. Each proxy pinned to core $PROXY_CPU; small body; Host: $SERVICE_HOST."
    echo "Syscall counts are every thread's, per completed request (strace -c -f while engine-loadgen sends 2,000 requests/s of /small, then 1,000/s of /64k)."
    echo
  } > "$OUT/profile.md"
  for target in "${TARGET_LIST[@]}"; do
    wait_quiet
    if ! start_target "$target"; then
      log "  $target did not start (see $RUN_DIR/$target.log)"
      continue
    fi
    taskset -c "$LOAD_CPU" wrk -t1 -c64 -d1s -H "Host: $SERVICE_HOST" "http://127.0.0.1:${PORT[$target]}/small" >/dev/null 2>&1 || true
    log "profiling $target"
    profile_target "$target"
    [ "$target" = engine ] && profile_allocations
    stop_pid "$TARGET_PID"
  done
  log "profile: $OUT/profile.md"
  exit 0
fi

# The larger of the two "CPU taken by other processes" figures of a cell, in whole percent.
noise_pct() {
  awk -v j="$1" 'BEGIN {
    m = 0
    # With no proxy, nothing of ours runs on the proxy core: only the load core matters.
    if (j !~ /"target":"direct"/ && match(j, /"proxy_core_other_pct":[0-9.]+/)) { v = substr(j, RSTART + 23, RLENGTH - 23) + 0; if (v > m) m = v }
    if (match(j, /"load_core_other_pct":[0-9.]+/)) { v = substr(j, RSTART + 22, RLENGTH - 22) + 0; if (v > m) m = v }
    printf("%d", m) }'
}

# Measures a cell, and measures it again (up to NOISE_RETRIES times, after waiting for a quiet
# machine) when other processes took more than NOISE_LIMIT% of either core meanwhile. The last
# attempt is recorded whatever its noise, which the report shows.
measure_cell() {
  local kind=$1 attempt
  shift
  for attempt in $(seq 0 "$NOISE_RETRIES"); do
    "measure_${kind}_once" "$@"
    [ -n "$CELL_JSON" ] || return 0
    [ "$CELL_NOISE" -gt "$NOISE_LIMIT" ] || break
    if [ "$attempt" -lt "$NOISE_RETRIES" ]; then
      log "    ^ other processes took ${CELL_NOISE}% of a core: measuring again"
      wait_quiet
    fi
  done
  record "$CELL_JSON"
}

IFS=, read -r -a TARGET_LIST <<< "$TARGETS"
IFS=, read -r -a CONN_LIST <<< "$CONNECTIONS"
IFS=, read -r -a RATE_LIST <<< "$RATES"
for target in "${TARGET_LIST[@]}"; do
  [ -n "${PORT[$target]:-}" ] || { echo "bench: unknown target '$target'" >&2; exit 2; }
done

ENGINE_WORKS=unknown
declare -A TPID=()
declare -A IDLE_KB=()

# Every run starts all targets at once (each on the proxy core; a proxy that is not being
# measured sits idle), then measures each cell for every target back to back, so that targets
# compared in a cell are measured seconds apart, not minutes: on a machine whose speed drifts,
# that is what keeps the ratios honest.
for run in $(seq 1 "$RUNS"); do
  # Rotate the order each run so that no target always goes first (or last) in a cell.
  order=()
  n=${#TARGET_LIST[@]}
  for i in $(seq 0 $((n - 1))); do order+=("${TARGET_LIST[$(((i + run - 1) % n))]}"); done
  log "run $run of $RUNS: ${order[*]}"
  wait_quiet
  live=()
  h2c_live=()
  for target in "${order[@]}"; do
    if ! start_target "$target"; then
      log "  $target did not start listening (see $RUN_DIR/$target.log)"
      record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"start\",\"detail\":\"$(json_escape "$(tail -5 "$RUN_DIR/$target.log" 2>/dev/null | tr '\n' ' ')")\"}"
      [ "$target" = engine ] && ENGINE_WORKS=no
      [ -n "$TARGET_PID" ] && stop_pid "$TARGET_PID"
      continue
    fi
    small=$(probe "${PORT[$target]}" small)
    large=$(probe "${PORT[$target]}" 64k)
    if [ "$small" != "200 13" ] || [ "$large" != "200 65536" ]; then
      log "  $target answers wrongly (small: $small, 64k: $large; expected 200 13 and 200 65536)"
      record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"probe\",\"detail\":\"small: $small, 64k: $large\"}"
      [ "$target" = engine ] && ENGINE_WORKS=no
      [ -n "$TARGET_PID" ] && stop_pid "$TARGET_PID"
      continue
    fi
    [ "$target" = engine ] && [ "$ENGINE_WORKS" != no ] && ENGINE_WORKS=yes
    if [ "$H2C" = 1 ] && [ -n "${H2C_PORT[$target]:-}" ]; then
      small=$(probe_h2c "${H2C_PORT[$target]}" small)
      large=$(probe_h2c "${H2C_PORT[$target]}" 64k)
      if [ "$small" = "200 13 2" ] && [ "$large" = "200 65536 2" ]; then
        h2c_live+=("$target")
      else
        log "  $target answers h2c wrongly (small: $small, 64k: $large; expected 200 13 2 and 200 65536 2): no h2c cells"
        record "{\"kind\":\"failure\",\"target\":\"$target\",\"run\":$run,\"what\":\"h2c probe\",\"detail\":\"small: $small, 64k: $large (status, bytes, HTTP version)\"}"
      fi
    fi
    TPID[$target]=$TARGET_PID
    IDLE_KB[$target]=0
    if [ -n "$TARGET_PID" ]; then
      mapfile -t tp < <(tree_pids "$TARGET_PID")
      IDLE_KB[$target]=$(mem_kb VmRSS "${tp[@]}")
    fi
    live+=("$target")
  done

  # Warm-up (JIT tiers for YARP, pools and caches for all), not recorded.
  for target in "${live[@]}"; do
    taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${WARMUP}s" -H "Host: $SERVICE_HOST" "http://127.0.0.1:${PORT[$target]}/small" >/dev/null 2>&1 || true
    taskset -c "$LOAD_CPU" wrk -t1 -c8 -d1s -H "Host: $SERVICE_HOST" "http://127.0.0.1:${PORT[$target]}/64k" >/dev/null 2>&1 || true
  done

  for body in small 64k; do
    for conns in "${CONN_LIST[@]}"; do
      for target in "${live[@]}"; do
        TARGET_PID=${TPID[$target]}
        measure_cell wrk "$target" "$run" "$body" "$conns"
      done
    done
  done
  if [ ${#h2c_live[@]} -gt 0 ]; then
    for target in "${h2c_live[@]}"; do
      timeout -k 5 20 taskset -c "$LOAD_CPU" h2load -t 1 -c "$H2C_CLIENTS" -m "$H2C_STREAMS" -D "$WARMUP" -H ":authority: $SERVICE_HOST" \
        "http://127.0.0.1:${H2C_PORT[$target]}/small" >/dev/null 2>&1 || true
    done
    for body in small 64k; do
      for target in "${h2c_live[@]}"; do
        TARGET_PID=${TPID[$target]}
        measure_cell h2c "$target" "$run" "$body"
      done
    done
  fi
  # The first rate (the issue's 1,000 rps) is measured in RATE_ROUNDS rounds, each in its own
  # order (the rotation goes on from the run's), the others once; the report pairs the targets
  # round by round.
  for rate in "${RATE_LIST[@]}"; do
    rounds=1
    [ "$rate" = "${RATE_LIST[0]}" ] && rounds=$RATE_ROUNDS
    for round in $(seq 1 "$rounds"); do
      n=${#live[@]}
      for i in $(seq 0 $((n - 1))); do
        target=${live[$(((i + round - 1) % n))]}
        TARGET_PID=${TPID[$target]}
        measure_cell rate "$target" "$run" "$rate" http1 "$round"
      done
    done
  done
  # The same open-loop latency over h2c, at the first rate only (HTTP/2 downstream, HTTP/1.1 upstream).
  if [ ${#h2c_live[@]} -gt 0 ] && [ ${#RATE_LIST[@]} -gt 0 ]; then
    for target in "${h2c_live[@]}"; do
      TARGET_PID=${TPID[$target]}
      measure_cell rate "$target" "$run" "${RATE_LIST[0]}" h2c
    done
  fi

  for target in "${live[@]}"; do
    TARGET_PID=${TPID[$target]}
    if [ -n "$TARGET_PID" ]; then
      mapfile -t tp < <(tree_pids "$TARGET_PID")
      record "{\"kind\":\"memory\",\"target\":\"$target\",\"run\":$run,\"rss_idle_kb\":${IDLE_KB[$target]},\"rss_after_kb\":$(mem_kb VmRSS "${tp[@]}"),\"rss_peak_kb\":$(mem_kb VmHWM "${tp[@]}"),\"processes\":${#tp[@]}}"
      stop_pid "$TARGET_PID"
    fi
  done
done

# ---------------------------------------------------------------------------------------------
# Sidecar figures: start-to-ready and idle RSS of the AOT binary, and its size.
# ---------------------------------------------------------------------------------------------
if [[ ",$TARGETS," == *",engine,"* ]]; then
  log "engine start-to-ready (5 starts, first accepted connection)"
  taskset -c "$LOAD_CPU" "$LOADGEN" startup --connect "127.0.0.1:$STARTUP_PORT" --runs 5 --json "$RUN_DIR/startup.json" -- \
    taskset -c "$PROXY_CPU" "$ENGINE" run --config "$RUN_DIR/engine" --listen "127.0.0.1:$STARTUP_PORT" --log-level warn --access-log off --admin none \
    2>&1 | sed 's/^/  /' >&2 || log "  startup measurement failed"
fi

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cat > "$RUN_DIR/meta.json" <<EOF
{
  "stamp": "$STAMP",
  "date_utc": "$(date -u '+%Y-%m-%d %H:%M UTC')",
  "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "branch": "$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)",
  "dirty": $( [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo false || echo true ),
  "kernel": "$(uname -r)",
  "cpu": "$(json_escape "$cpu_model")",
  "cores": $CORES,
  "proxy_cpu": $PROXY_CPU,
  "load_cpu": $LOAD_CPU,
  "quick": $( [ "$QUICK" = 1 ] && echo true || echo false ),
  "runs": $RUNS,
  "duration_s": $DURATION,
  "rate_duration_s": $RATE_DURATION,
  "rate_rounds": $RATE_ROUNDS,
  "rate_connections": 16,
  "h2c": $( [ "$H2C" = 1 ] && echo true || echo false ),
  "h2c_duration_s": $H2C_DURATION,
  "h2c_clients": $H2C_CLIENTS,
  "h2c_streams": $H2C_STREAMS,
  "noise_limit_pct": $NOISE_LIMIT,
  "engine_works": "$ENGINE_WORKS",
  "engine_transport": "${ENGINE_TRANSPORT:-epoll}",
  "engine_binary_bytes": $(stat -c %s "$ENGINE"),
  "versions": {
    "nginx": "$(nginx -v 2>&1 | sed 's/^nginx version: //')",
    "haproxy": "$(haproxy -v 2>/dev/null | head -1 | awk '{ print $3 }')",
    "wrk": "$(wrk -v 2>&1 | head -1 | awk '{ print $2 }')",
    "h2load": "$(h2load --version 2>/dev/null | awk '{ print $2; exit }')",
    "dotnet": "$(dotnet --version)",
    "yarp": "2.3.0"
  }
}
EOF

log "writing the report to $OUT"
"$REPORT" --input "$RUN_DIR" --output "$OUT"
mkdir -p "$OUT/raw"
cp "$RESULTS" "$RUN_DIR/meta.json" "$OUT/raw/"
[ -f "$RUN_DIR/startup.json" ] && cp "$RUN_DIR/startup.json" "$OUT/raw/"
cp "$RUN_DIR"/rate-*.json "$OUT/raw/" 2>/dev/null || true
echo
cat "$OUT/summary.txt"
echo
log "report: $OUT/report.md  chart: $OUT/chart.png  raw: $OUT/raw/  logs: $RUN_DIR"
