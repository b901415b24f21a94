#!/usr/bin/env bash
# Counts the user-space instructions the engine executes per proxied request, under callgrind.
# Unlike CPU time, the count hardly moves with the machine's load (repeat runs agree within about
# 1%; wall-clock A/Bs on this shared VM move 15%), so it judges small code changes that a
# wrk comparison cannot. It leaves out the kernel (the socket work is most of the engine's CPU
# time, see perf/README.md) and counts instructions, not cycles: use it beside scripts/bench.sh,
# not instead of it.
#
#   scripts/instructions.sh                      HTTP/1.1 and h2c, small body, 20,000 requests each
#   scripts/instructions.sh --binary PATH        count another build (e.g. a saved baseline)
#   scripts/instructions.sh --top 25             also list the 25 costliest functions per mode
#   scripts/instructions.sh --upstream h2c       the upstream speaks HTTP/2 (the gRPC path)
#   scripts/instructions.sh --upstream echo-h2c  the upstream is `engine echo` over HTTP/2: it indexes its
#                                                answer's fields, as gRPC servers do (nginx enters them anew)
#   scripts/instructions.sh --post 100           POST requests with a 100-byte body instead of GETs
#
# The engine (pinned to core 0) proxies to one nginx worker (core 1) answering "hello, world";
# h2load drives it: HTTP/1.1 over 64 connections, or h2c over 8 connections with 10 streams each.
# A warm-up runs first; only the measured requests are counted (callgrind's instrumentation is
# switched on and off around them). Everything stays on 127.0.0.1; every process started here is
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

REQUESTS=20000
MODES=h1,h2c
BINARY=
TOP=0
PATH_=small
UPSTREAM=h1
POST_BYTES=0
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) REQUESTS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    --top) TOP=$2; shift 2 ;;
    --path) PATH_=$2; shift 2 ;;
    --upstream) UPSTREAM=$2; shift 2 ;;
    --post) POST_BYTES=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; echo "options: --requests N  --modes h1,h2c  --binary PATH  --top N  --path small|64k  --upstream h1|h2c|echo-h2c  --post BYTES"; exit 0 ;;
    *) echo "instructions: unknown option $1" >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }
need=()
have valgrind || need+=(valgrind)
have nginx || need+=(nginx-light)
have h2load || need+=(nghttp2-client)
have curl || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "instructions: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/engine-instructions.XXXXXX)
chmod 755 "$WORK" # nginx workers (not root) serve /64k from it
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# A build with its symbol table (function names for --top) but no DWARF, which valgrind 3.19
# cannot read from the AOT compiler's output. The native link step is incremental and would keep
# the stripped binary, so its output is removed before and after (the next publish relinks).
if [ -z "$BINARY" ]; then
  native=engine/Engine.Host/obj/Release/net10.0/linux-x64/native
  rm -rf "$native"
  echo "instructions: publishing a build with symbols"
  dotnet publish engine/Engine.Host/Engine.Host.csproj -c Release -r linux-x64 -o "$WORK/publish" -nologo \
    -p:StripSymbols=false >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; exit 1; }
  rm -rf "$native"
  strip --strip-debug -o "$WORK/engine" "$WORK/publish/Engine.Host"
  BINARY=$WORK/engine
fi

UPSTREAM_PORT=28180
PROXY_PORT=28181
# shellcheck source=scripts/bench-upstream.sh
. "$ROOT/scripts/bench-upstream.sh"
case "$UPSTREAM" in
  h1|h2c)
    write_bench_upstream "$WORK" "$UPSTREAM_PORT" "$UPSTREAM"
    write_bench_service_entry "$WORK/config/upstream.yaml" upstream.bench "$UPSTREAM_PORT" "$UPSTREAM"
    taskset -c 1 nginx -c "$WORK/upstream.conf" -e "$WORK/upstream-error.log" >"$WORK/upstream.log" 2>&1 &
    PIDS+=($!) ;;
  echo-h2c)
    write_bench_service_entry "$WORK/config/upstream.yaml" upstream.bench "$UPSTREAM_PORT" h2c
    taskset -c 1 "$BINARY" echo --listen "127.0.0.1:$UPSTREAM_PORT" --log-level warn >"$WORK/upstream.log" 2>&1 &
    PIDS+=($!) ;;
  *) echo "instructions: --upstream is h1, h2c or echo-h2c" >&2; exit 2 ;;
esac

if [ "$POST_BYTES" -gt 0 ]; then
  head -c "$POST_BYTES" /dev/zero | tr '\0' 'p' > "$WORK/post-body"
fi

load() { # mode requests
  local args=(-c8 -m10)
  [ "$1" = h1 ] && args=(--h1 -c64)
  [ "$POST_BYTES" -gt 0 ] && args+=(-d "$WORK/post-body")
  timeout 300 taskset -c 1 h2load "${args[@]}" -n"$2" -H ':authority: upstream.bench' "http://127.0.0.1:$PROXY_PORT/$PATH_" >"$WORK/h2load-$1.txt" 2>&1 || true
  local ok
  ok=$(awk '/^status codes:/ {print $3}' "$WORK/h2load-$1.txt")
  if [ "${ok:-0}" != "$2" ]; then
    echo "instructions: $1: $ok of $2 requests got a 2xx; see $WORK/h2load-$1.txt" >&2
    return 1
  fi
}

IFS=, read -ra modes <<<"$MODES"
for mode in "${modes[@]}"; do
  out=$WORK/callgrind.$mode
  taskset -c 0 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$BINARY" run --config "$WORK/config" --listen "127.0.0.1:$PROXY_PORT" --log-level warn --access-log off --admin none \
    >"$WORK/engine-$mode.log" 2>&1 &
  engine_pid=$!
  PIDS+=("$engine_pid")
  for _ in $(seq 240); do
    curl -s -m 2 -o /dev/null -H 'Host: upstream.bench' "http://127.0.0.1:$PROXY_PORT/$PATH_" && break
    sleep 0.5
  done
  load "$mode" 3000 # warm-up: connections, pools, first-use paths
  callgrind_control -i on "$engine_pid" >/dev/null 2>&1
  load "$mode" "$REQUESTS"
  callgrind_control -i off "$engine_pid" >/dev/null 2>&1
  callgrind_control -d "$engine_pid" >/dev/null 2>&1
  kill "$engine_pid"
  wait "$engine_pid" 2>/dev/null || true
  total=0
  for f in "$out"*; do
    # A file with nothing counted (the one written at exit) shows "." for its total.
    n=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print ($1 ~ /^[0-9]+$/) ? $1 : 0}')
    total=$((total + ${n:-0}))
  done
  what=GET; [ "$POST_BYTES" -gt 0 ] && what="POST of $POST_BYTES bytes"
  echo "$mode $what /$PATH_ (upstream $UPSTREAM): $((total / REQUESTS)) user-space instructions per request ($REQUESTS requests)"
  if [ "$TOP" -gt 0 ]; then
    biggest=$(ls -S "$out"* | head -1)
    callgrind_annotate "$biggest" 2>/dev/null | awk -v top="$TOP" -v n="$REQUESTS" '
      /file:function/ { on = 1; getline; next }
      on && NF >= 3 && shown < top && match($0, /%\)[ ]+/) {
        name = substr($0, RSTART + RLENGTH); sub(/^\?\?\?:/, "", name); sub(/ \[.*$/, "", name)
        gsub(",", "", $1); printf "  %7.0f  %s\n", $1 / n, substr(name, 1, 140); shown++ }'
  fi
done
