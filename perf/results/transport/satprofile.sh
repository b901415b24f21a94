#!/usr/bin/env bash
# Syscalls and CPU per request at saturation (wrk, closed loop), for one proxy target, counted
# with perf's syscall tracepoints (cheap, unlike strace, so the proxy runs at full speed and
# epoll_wait batches as it does in the comparison runs).
#
#   perf/results/transport/satprofile.sh TARGET [CONNECTIONS] [PATH] [SECONDS]
#     TARGET: kestrel | epoll (the engine with that transport) | nginx | haproxy
#
# Needs what scripts/bench.sh installs (nginx, haproxy, wrk, perf) and artifacts/engine.
# Ports 18280-18283 on 127.0.0.1; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
TARGET=$1 CONNS=${2:-64} URLPATH=${3:-small} SECONDS_=${4:-5}
PROXY_CPU=${PROXY_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
DIR=$(mktemp -d /tmp/satprofile.XXXXXX)
chmod 755 "$DIR" # nginx workers run as another user
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

mkdir -p "$DIR/www" "$DIR/tmp" "$DIR/engine"
head -c 65536 /dev/zero | tr '\0' 'x' > "$DIR/www/64k"
cat > "$DIR/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $DIR/upstream.pid; error_log $DIR/upstream-error.log warn;
events { worker_connections 4096; }
http { access_log off; server_tokens off; keepalive_requests 10000000; keepalive_timeout 300s;
  sendfile on; tcp_nopush on; client_body_temp_path $DIR/tmp;
  server { listen 127.0.0.1:18280 backlog=4096; root $DIR/www; default_type text/plain; etag off;
    location = /small { return 200 "hello, world\n"; } location = /64k { } } }
CONF
taskset -c "$LOAD_CPU" nginx -c "$DIR/upstream.conf" -p "$DIR" >/dev/null 2>&1 &
PIDS+=($!)

case "$TARGET" in
  kestrel|epoll)
    cat > "$DIR/engine/upstream.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: upstream, namespace: default }
spec:
  hosts: [upstream.bench]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 18280, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1 }]
YAML
    ENGINE_TRANSPORT=$TARGET taskset -c "$PROXY_CPU" "${ENGINE_BIN:-artifacts/engine}" run --config "$DIR/engine" --listen 127.0.0.1:18281 --log-level warn >"$DIR/proxy.log" 2>&1 &
    ;;
  nginx)
    cat > "$DIR/proxy.conf" <<CONF
worker_processes 1; daemon off; pid $DIR/proxy.pid; error_log $DIR/proxy-error.log warn;
events { worker_connections 4096; }
http { access_log off; server_tokens off; keepalive_requests 10000000; keepalive_timeout 300s;
  client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp;
  upstream up { server 127.0.0.1:18280; keepalive 128; }
  server { listen 127.0.0.1:18281 backlog=4096;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffers 16 16k; proxy_buffer_size 16k; } } }
CONF
    taskset -c "$PROXY_CPU" nginx -c "$DIR/proxy.conf" -p "$DIR" >/dev/null 2>&1 &
    ;;
  haproxy)
    cat > "$DIR/haproxy.cfg" <<CONF
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  http-reuse always
frontend f
  bind 127.0.0.1:18281
  default_backend b
backend b
  server s 127.0.0.1:18280
CONF
    taskset -c "$PROXY_CPU" haproxy -f "$DIR/haproxy.cfg" >"$DIR/proxy.log" 2>&1 &
    ;;
  *) echo "satprofile: unknown target $TARGET" >&2; exit 2 ;;
esac
PIDS+=($!)
PROXY_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null -H 'Host: upstream.bench' "http://127.0.0.1:18281/$URLPATH" 2>/dev/null && break; sleep 0.05; done
# nginx serves from its worker (the child of the master we started).
[ "$TARGET" != nginx ] || PROXY_PID=$(pgrep -P "$PROXY_PID" | head -1)
taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d1s -H 'Host: upstream.bench' "http://127.0.0.1:18281/$URLPATH" >/dev/null 2>&1 || true

cpu() { awk '{ print $14 + $15 }' /proc/"$PROXY_PID"/stat; }
events=syscalls:sys_enter_epoll_wait,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_writev,syscalls:sys_enter_futex,raw_syscalls:sys_enter
before=$(cpu)
perf stat -x, -e "$events" -p "$PROXY_PID" -o "$DIR/stat.csv" -- sleep "$SECONDS_" >/dev/null 2>&1 &
STAT=$!
taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECONDS_}s" -H 'Host: upstream.bench' "http://127.0.0.1:18281/$URLPATH" > "$DIR/wrk.txt" 2>&1 || true
wait "$STAT" || true
after=$(cpu)
if [ -n "${PERF_RECORD:-}" ]; then
  # On-CPU profile under the same load: user vs kernel, and the hottest symbols.
  perf record -q -F 2999 -g -p "$PROXY_PID" -o "$DIR/perf.data" -- sleep "$SECONDS_" >/dev/null 2>&1 &
  REC=$!
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECONDS_}s" -H 'Host: upstream.bench' "http://127.0.0.1:18281/$URLPATH" > "$DIR/wrk2.txt" 2>&1 || true
  wait "$REC" || true
  perf report -i "$DIR/perf.data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -6 > "$PERF_RECORD.dso.txt" || true
  perf report -i "$DIR/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -120 > "$PERF_RECORD.sym.txt" || true
  cp "$DIR/perf.data" "$PERF_RECORD.data"
  perf report -i "$DIR/perf.data" --stdio --children --sort symbol -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -150 > "$PERF_RECORD.children.txt" || true
fi
requests=$(awk '/requests in/ { print $1 }' "$DIR/wrk.txt")
rps=$(awk '/Requests\/sec/ { print $2 }' "$DIR/wrk.txt")
grep -E "Non-2xx|Socket errors" "$DIR/wrk.txt" >&2 || true
ticks=$(getconf CLK_TCK)
echo "$TARGET /$URLPATH c$CONNS: $requests requests, $rps req/s, CPU-s/100k $(awk -v a="$before" -v b="$after" -v n="$requests" -v t="$ticks" 'BEGIN { printf("%.2f", (b - a) / t / n * 100000) }')"
awk -F, -v n="$requests" '$3 ~ /syscalls/ && $1 > 0 { sub(/.*sys_enter_?/, "", $3); printf("  %-12s %6.2f per request\n", ($3 == "" ? "all" : $3), $1 / n) }' "$DIR/stat.csv"
