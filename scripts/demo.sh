#!/usr/bin/env bash
# Builds the native engine and runs the bundled bookinfo mesh (samples/bookinfo) on loopback:
# six `engine echo` upstreams stand in for productpage, reviews v1/v2/v3, ratings and details;
# `engine run` routes between them with Istio's own VirtualService semantics.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/publish.sh
engine=artifacts/engine
listen=127.0.0.1:15001
logs=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT

start_echo() { # address name
  "$engine" echo --listen "$1:9080" --name "$2" >"$logs/$2.log" 2>&1 &
  pids+=($!)
}
start_echo 127.0.10.1  productpage-v1
start_echo 127.0.10.11 reviews-v1
start_echo 127.0.10.12 reviews-v2
start_echo 127.0.10.13 reviews-v3
start_echo 127.0.10.21 ratings-v1
start_echo 127.0.10.31 details-v1

wait_port() { # host:port
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "demo: ${1} did not come up" >&2; exit 1
}
for address in 127.0.10.1 127.0.10.11 127.0.10.12 127.0.10.13 127.0.10.21 127.0.10.31; do wait_port "$address:9080"; done

run_engine() { # route file
  "$engine" run --config samples/bookinfo/mesh --config "$1" --listen "$listen" >>"$logs/access.log" 2>"$logs/engine.log" &
  engine_pid=$!
  pids+=("$engine_pid")
  wait_port "$listen"
}

served_by() { # curl args...
  curl -s -o /dev/null -D - "$@" "http://$listen/reviews/0" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-served-by"{print $2}'
}

count() { # n header...
  local n=$1; shift
  for _ in $(seq 1 "$n"); do served_by -H 'Host: reviews:9080' "$@"; done | sort | uniq -c | sed 's/^/    /'
}

echo
echo "== 1. samples/bookinfo/routes/jason-v2-v3.yaml: end-user jason -> reviews v2, everyone else -> v3"
run_engine samples/bookinfo/routes/jason-v2-v3.yaml
echo "  curl -H 'Host: reviews:9080' -H 'end-user: jason' http://$listen/reviews/0"
count 10 -H 'end-user: jason'
echo "  curl -H 'Host: reviews:9080' http://$listen/reviews/0   (no end-user)"
count 10
echo "  the same through the proxy in absolute form: curl -x http://$listen http://reviews:9080/reviews/0"
curl -s -x "http://$listen" http://reviews:9080/reviews/0 | head -c 300; echo

kill "$engine_pid"; wait "$engine_pid" 2>/dev/null || true

echo
echo "== 2. samples/bookinfo/routes/80-20.yaml: 80% reviews v1, 20% reviews v2 (200 requests)"
run_engine samples/bookinfo/routes/80-20.yaml
count 200

echo
echo "== 3. a host with no route: 404 (Envoy's NR)"
curl -s -o /dev/null -w "  status %{http_code}\n" -H 'Host: nowhere:9080' "http://$listen/"
echo
echo "engine log:"
sed 's/^/    /' "$logs/engine.log"
