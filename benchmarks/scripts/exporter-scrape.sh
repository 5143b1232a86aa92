#!/bin/bash
# The exporter under scrape: a registry of N VMs of the issue's shape (2 vCPUs, 3 filesystems,
# 1 disk, 1 NIC each; benchmarks: io.vmpulse.bench.exporter.FleetRegistry keeps it fresh as a
# collector would), the real exporter started through its launcher (so with its JVM flags), and
# SCRAPES sequential scrapes of /metrics by curl, plain and then gzipped (Accept-Encoding: gzip,
# as Prometheus asks). Prints per N and encoding:
#   scrape time median and p99 (curl's time_total: request to last byte, loopback),
#   bytes per scrape,
#   exporter CPU per scrape: CPU time of the whole exporter process (every thread: HTTP, GC, JIT)
#     over the measured scrapes, from the sum of /proc/PID/task/*/schedstat (ns), divided by SCRAPES,
#   exporter RSS (VmRSS) and peak RSS (VmHWM) after the scrapes, and VmRSS split as the kernel counts
#     it: anonymous (heap, metaspace, code, malloc), files (libjvm, CDS archive, jars) and shared
#     memory (the registry's mapping, 8 KiB a slot, shared with the collector).
# Then the raw work: registry/c/vmpulse_dump --json over the same registry (every field of every
# slot read with the seqlock and printed, in C), its CPU per run, and the ratio exporter / C.
#
# Usage: benchmarks/scripts/exporter-scrape.sh                 (N="1000 4096", SCRAPES=200, WARMUP=200)
# Environment: N, SCRAPES, WARMUP, SKIP_BUILD=1, VMPULSE_EXPORTER_JVM_FLAGS / _JAVA_OPTS (launcher).
set -euo pipefail
cd "$(dirname "$0")/../.."

NS=${N:-"1000 4096"}
SCRAPES=${SCRAPES:-200}
WARMUP=${WARMUP:-200}

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl exporter,benchmarks -am package -DskipTests
fi

# shellcheck source=benchmarks/scripts/bench-lib.sh
. benchmarks/scripts/bench-lib.sh
scratch exbench

cc -O2 -o "$TMP/vmpulse_dump" registry/c/vmpulse_dump.c

cpu_ns() { # CPU time of every thread of process $1, ns
    local sum=0 t
    for t in /proc/"$1"/task/*/schedstat; do
        read -r run _ < "$t" 2>/dev/null || continue
        sum=$((sum + run))
    done
    echo "$sum"
}

stats() { # median and p99 of the numbers in file $1, in ms
    sort -g "$1" | awk '{ v[NR] = $1 } END {
        m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.999)]; if (p == "") p = v[NR];
        printf "median %.1f ms, p99 %.1f ms", m * 1000, p * 1000 }'
}

echo "exporter scrape benchmark, $(date -u +%FT%TZ), $(nproc) CPUs; load before: $(uptime | sed 's/.*load/load/')"
for n in $NS; do
    rm -f "$REGISTRY"
    java -XX:+UseSerialGC -Xmx512m -cp benchmarks/target/benchmarks.jar io.vmpulse.bench.exporter.FleetRegistry \
        "$REGISTRY" "$n" > "$TMP/fleet.out" 2> "$TMP/fleet.err" &
    PIDS+=($!)
    fleet=$!
    for _ in $(seq 1 300); do grep -q ready "$TMP/fleet.out" && break; sleep 0.1; done
    grep -q ready "$TMP/fleet.out" || { echo "fleet registry did not start: $(cat "$TMP/fleet.err")" >&2; exit 1; }

    exporter/target/vmpulse-exporter --registry "$REGISTRY" --web.listen-address 127.0.0.1:0 \
        > "$TMP/exporter.out" 2> "$TMP/exporter.err" &
    PIDS+=($!)
    exporter=$!
    url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/.*serving \(http[^ ]*\) .*/\1/p' "$TMP/exporter.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "exporter did not start: $(cat "$TMP/exporter.err")" >&2; exit 1; }

    for enc in plain gzip; do
        hdr=()
        [ "$enc" = gzip ] && hdr=(-H "Accept-Encoding: gzip")
        for _ in $(seq 1 "$WARMUP"); do curl -s --max-time 60 -o /dev/null "${hdr[@]}" "$url"; done
        : > "$TMP/times"
        before=$(cpu_ns "$exporter")
        for _ in $(seq 1 "$SCRAPES"); do
            curl -s --max-time 60 -o /dev/null "${hdr[@]}" -w '%{time_total} %{size_download}\n' "$url" >> "$TMP/times"
        done
        after=$(cpu_ns "$exporter")
        awk '{ print $1 }' "$TMP/times" > "$TMP/t"
        bytes=$(awk '{ s += $2 } END { printf "%d", s / NR }' "$TMP/times")
        cpu_ms=$(awk -v a="$after" -v b="$before" -v n="$SCRAPES" 'BEGIN { printf "%.1f", (a - b) / n / 1e6 }')
        series=$(curl -s --max-time 60 "$url" | grep -vc '^#')
        echo "N=$n $enc: $(stats "$TMP/t"), $bytes bytes, exporter CPU $cpu_ms ms/scrape ($series series, $SCRAPES scrapes)"
        eval "cpu_$enc=$cpu_ms"
    done
    rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$exporter"/status)
    hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$exporter"/status)
    kib() { awk -v k="$1" '$1 == k ":" { print $2 }' /proc/"$exporter"/status; }
    echo "N=$n exporter RSS $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB" \
        "(anonymous $(($(kib RssAnon) / 1024)), files $(($(kib RssFile) / 1024)), registry and other shared memory $(($(kib RssShmem) / 1024)) MiB)"

    # The raw work in C: read every slot with the seqlock and print every field.
    start=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/self/stat)
    t0=$(date +%s%N)
    runs=20
    for _ in $(seq 1 $runs); do "$TMP/vmpulse_dump" --json "$REGISTRY" > /dev/null; done
    t1=$(date +%s%N)
    c_ms=$( (time -p (for _ in $(seq 1 $runs); do "$TMP/vmpulse_dump" --json "$REGISTRY" > /dev/null; done)) 2>&1 \
        | awk -v n=$runs '/^user/ { u = $2 } /^sys/ { s = $2 } END { printf "%.1f", (u + s) * 1000 / n }')
    echo "N=$n raw work (vmpulse_dump --json, C): $c_ms ms CPU per run (wall $(( (t1 - t0) / runs / 1000000 )) ms); exporter/C plain $(awk -v e="$cpu_plain" -v c="$c_ms" 'BEGIN { if (c > 0) printf "%.1fx", e / c; else print "n/a" }')"
    : "$start"

    kill "$exporter" "$fleet"
    wait "$exporter" "$fleet" 2>/dev/null || true
    PIDS=()
done
echo "load after: $(uptime | sed 's/.*load/load/')"
