# Sourced by scripts/bench.sh and scripts/instructions.sh: the upstream every measurement proxies
# to (nginx, one worker: a 13-byte /small and a 64 KiB /64k) and the engine's ServiceEntry for
# it, written the same way for both so that their figures describe the same traffic.

# write_bench_upstream DIR PORT [h2c]: DIR/www/{small,64k}, DIR/upstream.conf (pid, logs and temp
# files under DIR; start it with `nginx -c DIR/upstream.conf`). With h2c the server speaks HTTP/2
# with prior knowledge instead of HTTP/1.1 (nginx's plaintext `http2` listener).
write_bench_upstream() {
  local dir=$1 port=$2 protocol=${3:-h1} listen_http2=""
  [ "$protocol" = h2c ] && listen_http2=" http2"
  mkdir -p "$dir/www" "$dir/nginx-temp"
  printf 'hello, world\n' > "$dir/www/small"
  head -c 65536 /dev/zero | tr '\0' 'x' > "$dir/www/64k"
  cat > "$dir/upstream.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/upstream.pid;
error_log $dir/upstream-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 10000000;
  http2_max_requests 10000000;
  keepalive_timeout 300s;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16;
  client_body_temp_path $dir/nginx-temp/upstream-body;
  server {
    listen 127.0.0.1:$port$listen_http2 backlog=4096;
    root $dir/www;
    default_type text/plain;
    etag off;
    location = /small { return 200 "hello, world\n"; }
    location = /64k { }
  }
}
EOF
}

# write_bench_service_entry FILE HOST PORT [h2c]: the engine's config for that upstream. Requests
# carrying Host: HOST take the default route (no VirtualService) to outbound|PORT||HOST; with h2c
# the port's protocol is HTTP2, so the engine speaks HTTP/2 to it.
write_bench_service_entry() {
  local file=$1 host=$2 port=$3 name=http protocol=HTTP
  [ "${4:-h1}" = h2c ] && { name=http2; protocol=HTTP2; }
  mkdir -p "$(dirname "$file")"
  cat > "$file" <<EOF
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: upstream
  namespace: default
spec:
  hosts: [$host]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - number: $port
    name: $name
    protocol: $protocol
  endpoints:
  - address: 127.0.0.1
EOF
}
