#!/bin/bash
# TCP_NODELAY on and off, side by side: one registry of N VMs (io.vmpulse.bench.exporter.FleetRegistry),
# two exporters started through the launcher, A with -Dsun.net.httpserver.nodelay=false (Nagle's
# algorithm on) and B as shipped (ExporterServer turns TCP_NODELAY on), scraped alternately by curl
# (plain, then gzipped) so both see the same load. Prints min, p10, p25, p50, p75, p90 and p99 of
# curl's time_total for each exporter and encoding.
#
# Usage: benchmarks/scripts/exporter-nodelay-ab.sh      (N=1000, SCRAPES=100, WARMUP=30)
# Environment: N, SCRAPES, WARMUP, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${N:-1000}
SCRAPES=${SCRAPES:-100}
WARMUP=${WARMUP:-30}

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl exporter,benchmarks -am package -DskipTests
fi

# shellcheck source=benchmarks/scripts/bench-lib.sh
. benchmarks/scripts/bench-lib.sh
scratch nodelay

java -XX:+UseSerialGC -Xmx512m -cp benchmarks/target/benchmarks.jar io.vmpulse.bench.exporter.FleetRegistry \
    "$REGISTRY" "$N" > "$TMP/fleet.out" 2> "$TMP/fleet.err" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q ready "$TMP/fleet.out" && break; sleep 0.1; done
grep -q ready "$TMP/fleet.out" || { echo "fleet registry did not start: $(cat "$TMP/fleet.err")" >&2; exit 1; }

start() { # name, extra JVM flags; sets url_<name>
    VMPULSE_EXPORTER_JAVA_OPTS="$2" exporter/target/vmpulse-exporter --registry "$REGISTRY" \
        --web.listen-address 127.0.0.1:0 > "$TMP/$1.out" 2> "$TMP/$1.err" &
    PIDS+=($!)
    local url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/.*serving \(http[^ ]*\) .*/\1/p' "$TMP/$1.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "exporter $1 did not start: $(cat "$TMP/$1.err")" >&2; exit 1; }
    eval "url_$1=$url"
}
start nagle "-Dsun.net.httpserver.nodelay=false"
start nodelay ""

scrape() { # url, output file, curl arguments...
    local url=$1 file=$2
    shift 2
    curl -s --max-time 60 -o /dev/null -w '%{time_total}\n' "$@" "$url" >> "$file"
}

echo "nodelay A/B, N=$N, $(date -u +%FT%TZ); load before: $(uptime | sed 's/.*load/load/')"
for _ in $(seq 1 "$WARMUP"); do
    for u in "$url_nagle" "$url_nodelay"; do
        scrape "$u" /dev/null
        scrape "$u" /dev/null -H "Accept-Encoding: gzip"
    done
done
for _ in $(seq 1 "$SCRAPES"); do
    scrape "$url_nagle" "$TMP/nagle-plain"
    scrape "$url_nodelay" "$TMP/nodelay-plain"
    scrape "$url_nagle" "$TMP/nagle-gzip" -H "Accept-Encoding: gzip"
    scrape "$url_nodelay" "$TMP/nodelay-gzip" -H "Accept-Encoding: gzip"
done
for f in nagle-plain nodelay-plain nagle-gzip nodelay-gzip; do
    sort -g "$TMP/$f" | awk -v f="$f" '{ v[NR] = $1 * 1000 } END {
        q = "min p10 p25 p50 p75 p90 p99"; split("0 0.1 0.25 0.5 0.75 0.9 0.99", at, " "); split(q, name, " ");
        printf "%-14s", f;
        for (i = 1; i <= 7; i++) { k = int(NR * at[i] + 0.999); if (k < 1) k = 1; printf " %s %.1f", name[i], v[k] }
        printf " ms\n" }'
done
echo "load after: $(uptime | sed 's/.*load/load/')"
