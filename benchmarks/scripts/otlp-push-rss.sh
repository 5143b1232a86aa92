#!/bin/bash
# The exporter's memory with the OTLP push on: a registry of N VMs of the issue's shape kept fresh
# by io.vmpulse.bench.exporter.FleetRegistry, the real exporter started through its launcher (its
# JVM flags), once serving /metrics only and once also pushing every INTERVAL to a loopback sink
# (python3, reads and drops each body). After RUN seconds, with one gzipped /metrics scrape a
# second in both cases (as Prometheus asks), prints the exporter's VmRSS and VmHWM, and the requests the sink received.
#
# Usage: benchmarks/scripts/otlp-push-rss.sh     (N=1000, INTERVAL=1s, RUN=60)
# Environment: N, INTERVAL, RUN, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${N:-1000}
INTERVAL=${INTERVAL:-1s}
RUN=${RUN:-60}

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl exporter,benchmarks -am package -DskipTests
fi

# shellcheck source=benchmarks/scripts/bench-lib.sh
. benchmarks/scripts/bench-lib.sh
scratch otlprss

cat > "$TMP/sink.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        print("push", flush=True)
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print("port", s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$TMP/sink.py" > "$TMP/sink.out" &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q port "$TMP/sink.out" && break; sleep 0.1; done
port=$(awk '/port/ { print $2 }' "$TMP/sink.out")

java -XX:+UseSerialGC -Xmx512m -cp benchmarks/target/benchmarks.jar io.vmpulse.bench.exporter.FleetRegistry \
    "$REGISTRY" "$N" > "$TMP/fleet.out" 2> "$TMP/fleet.err" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q ready "$TMP/fleet.out" && break; sleep 0.1; done
grep -q ready "$TMP/fleet.out" || { echo "fleet registry did not start: $(cat "$TMP/fleet.err")" >&2; exit 1; }

echo "exporter RSS with and without OTLP push, N=$N, $(date -u +%FT%TZ), $(nproc) CPUs; load before: $(uptime | sed 's/.*load/load/')"
for mode in scrape-only otlp; do
    args=()
    [ "$mode" = otlp ] && args=(--otlp.endpoint "http://127.0.0.1:$port" --otlp.interval "$INTERVAL")
    before=$(grep -c push "$TMP/sink.out" || true)
    exporter/target/vmpulse-exporter --registry "$REGISTRY" --web.listen-address 127.0.0.1:0 "${args[@]}" \
        > "$TMP/exporter.out" 2> "$TMP/exporter.err" &
    exporter=$!
    PIDS+=($exporter)
    url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/.*serving \(http[^ ]*\) .*/\1/p' "$TMP/exporter.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "exporter did not start: $(cat "$TMP/exporter.err")" >&2; exit 1; }
    for _ in $(seq 1 "$RUN"); do curl -s -o /dev/null --max-time 30 -H 'Accept-Encoding: gzip' "$url" || true; sleep 1; done
    rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$exporter"/status)
    hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$exporter"/status)
    requests=$(( $(grep -c push "$TMP/sink.out" || true) - before ))
    echo "$mode: exporter RSS $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB after ${RUN} s ($requests requests received)"
    kill "$exporter"
    wait "$exporter" 2>/dev/null || true
done
echo "load after: $(uptime | sed 's/.*load/load/')"
