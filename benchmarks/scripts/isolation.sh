#!/bin/bash
# Isolation at scale: the real collector with VMS well-behaved simulated guests at 1 Hz, first
# alone (baseline), then beside one hostile VM that floods (FLOOD messages a second), sends 1 MiB
# messages (OVERSIZED a second), storms connections (STORM a second) and holds IDLE idle
# connections. A reader polling the registry (every POLL_MS) times each well-behaved sample from
# the guest's timestamp to its appearance in the VM's slot, and checks its seq follows the last.
# Then the same baseline with SMALL_VMS guests, for the marginal memory per VM.
#
# Prints per run: latency p50/p99, seq gaps and dropped samples of the well-behaved VMs, the
# collector's CPU (% of one core, utime+stime over the measured span), RSS, live heap after a full
# GC (taken after the measured span, all guests still connected); then the hostile/baseline p99 ratio (target <= 2) and the marginal memory per VM (goal <= 12
# KiB). Exits 1 when a well-behaved VM lost a sample or was not served. docs/benchmarks.md has the
# results.
#
#   benchmarks/scripts/isolation.sh                        # VMS=4096 DURATION=60 WARMUP=30
#   VMS=64 SMALL_VMS=0 DURATION=10 WARMUP=5 benchmarks/scripts/isolation.sh
#
# Settings (environment): VMS, SMALL_VMS (0: skip the memory run), WARMUP and DURATION seconds per
# run, POLL_MS, FLOOD, OVERSIZED, STORM, IDLE, RUNS (default "baseline hostile small"),
# TRANSPORT (the HTTP/2 client of the well-behaved guests: grpc-java, the default, is grpc-java's
# Netty client; agent is the guest agent's own GrpcCall, a reader thread per guest in the driver,
# which costs the collector per connection what a real agent does: no HPACK dynamic tables; the
# hostile VM always uses grpc-java),
# COLLECTOR_JAVA_OPTS (default: the systemd unit's flags), SKIP_BUILD=1, HISTOGRAMS=DIR (a class
# histogram of the collector's live heap per run, taken with the heap figure, all guests
# connected: DIR/NAME.histo; `join` two of them for what a VM costs, class by class).
set -euo pipefail
cd "$(dirname "$0")/../.."

VMS=${VMS:-4096}
SMALL_VMS=${SMALL_VMS:-1024}
WARMUP=${WARMUP:-30}
DURATION=${DURATION:-60}
POLL_MS=${POLL_MS:-2}
FLOOD=${FLOOD:-10000}
OVERSIZED=${OVERSIZED:-10}
STORM=${STORM:-200}
IDLE=${IDLE:-2}
TRANSPORT=${TRANSPORT:-grpc-java}
case $TRANSPORT in
    grpc-java|agent) ;;
    *) echo "isolation.sh: TRANSPORT=$TRANSPORT is not grpc-java or agent" >&2; exit 2 ;;
esac
RUNS=${RUNS:-"baseline hostile small"}
[ "$SMALL_VMS" -gt 0 ] && [ "$SMALL_VMS" -lt "$VMS" ] || RUNS=${RUNS/small/}

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl benchmarks -am package -DskipTests
fi

BASE=$(mktemp -d /tmp/vmpulse-isolation.XXXXXX)
chmod 755 "$BASE"
# Run copies, so that a rebuild during the run cannot pull classes from under the JVMs.
cp host-collector/target/host-collector.jar benchmarks/target/benchmarks.jar "$BASE/"
PIDS=()
REGISTRY=
cleanup() {
    stop_pids
    [ -z "$REGISTRY" ] || rm -f "$REGISTRY"
}
trap 'cleanup; rm -rf "$BASE"' EXIT
trap 'exit 130' INT TERM

# shellcheck source=benchmarks/scripts/collector-lib.sh
. benchmarks/scripts/collector-lib.sh

declare -A P99 RSS ANON HEAP
failed=0

# run NAME N HOSTILE(0|1): one collector, N guests (and the hostile VM's descriptor, always, so
# that both runs serve the same VMs), figures on one line.
run() {
    local name=$1 n=$2 hostile=$3
    TMP=$BASE/$name
    REGISTRY=/dev/shm/vmpulse-isolation-$$-$name
    mkdir -p "$TMP/vms.d" "$TMP/s"
    ln -s ../host-collector.jar "$TMP/host-collector.jar"
    for i in $(seq 0 $((n - 1))); do guest_descriptor "vm-$i"; done
    guest_descriptor hostile
    write_collector_config "$((n + 1))"
    start_collector "$((n + 1))"
    local target=none
    [ "$hostile" = 1 ] && target=$TMP/s/hostile.vsock_1024
    java -XX:+UseSerialGC -Xmx1g -cp "$BASE/benchmarks.jar" io.vmpulse.bench.load.IsolationRun \
        "$REGISTRY" "$TMP/s/vm-%d.vsock_1024" "$n" "$WARMUP" "$DURATION" "$target" \
        "$POLL_MS" "$FLOOD" "$OVERSIZED" "$STORM" "$IDLE" "$TRANSPORT" > "$TMP/driver.log" 2>&1 &
    local driver=$!
    PIDS+=("$driver")
    # Measure the collector over the span the driver records latencies in.
    for _ in $(seq $((WARMUP * 10 + 600))); do
        grep -q "^measuring" "$TMP/driver.log" 2>/dev/null && break
        kill -0 "$driver" 2>/dev/null || break
        sleep 0.1
    done
    local t0 s0 t1 s1 heap
    t0=$(cpu_ticks); s0=$(date +%s%N)
    pause "$DURATION"
    t1=$(cpu_ticks); s1=$(date +%s%N)
    # The driver keeps its guests connected for 10 s after its span: the full collection that
    # weighs the heap lands there, outside both the latencies and the CPU span.
    for _ in $(seq 50); do
        grep -q "^measured" "$TMP/driver.log" 2>/dev/null && break
        kill -0 "$driver" 2>/dev/null || break
        sleep 0.1
    done
    heap=$(heap_after_gc_kb)
    if [ -n "${HISTOGRAMS:-}" ]; then
        mkdir -p "$HISTOGRAMS"
        jcmd "$COLLECTOR" GC.class_histogram > "$HISTOGRAMS/$name.histo" 2>&1 || true
    fi
    local load rss anon file shmem cpu
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    rss=$(status_kb VmRSS); anon=$(status_kb RssAnon); file=$(status_kb RssFile); shmem=$(status_kb RssShmem)
    cpu=$(percent_of_core "$((t1 - t0))" "$((s1 - s0))")
    local rc=0
    wait "$driver" || rc=$?
    local result
    result=$(grep '^result' "$TMP/driver.log" || true)
    echo "== $name: $n well-behaved VMs over $TRANSPORT$([ "$hostile" = 1 ] && echo " + 1 hostile VM (flood $FLOOD/s, oversized $OVERSIZED/s, storm $STORM/s, idle $IDLE)")"
    echo "   ${result:-no result line}"
    grep '^end ' "$TMP/driver.log" | sed 's/^end /   guests: /' || true
    grep '^hostile:' "$TMP/driver.log" | sed 's/^/   /' || true
    echo "   collector: CPU ${cpu}% of one core over $(( (s1 - s0) / 1000000000 )) s; VmRSS $((rss / 1024)) MiB" \
        "(RssAnon $((anon / 1024)), RssFile $((file / 1024)), RssShmem $((shmem / 1024)) MiB); heap after GC $((heap / 1024)) MiB;" \
        "log $(wc -l < "$TMP/collector.log") lines; load average $load"
    if [ "$rc" != 0 ]; then
        echo "   FAILED: a well-behaved VM lost a sample or was not served (driver exit $rc); driver log tail:"
        tail -5 "$TMP/driver.log" | sed 's/^/   /'
        failed=1
    fi
    P99[$name]=$(sed -n 's/.* p99=\([0-9.]*\)ms.*/\1/p' <<< "$result")
    RSS[$name]=$rss
    ANON[$name]=$anon
    HEAP[$name]=$heap
    cleanup
}

echo "isolation: VMS=$VMS SMALL_VMS=$SMALL_VMS WARMUP=$WARMUP DURATION=$DURATION POLL_MS=$POLL_MS TRANSPORT=$TRANSPORT; $(nproc) CPUs; uptime:$(uptime)"
echo "collector flags: $COLLECTOR_JAVA_OPTS"
for r in $RUNS; do
    case $r in
        baseline) run baseline "$VMS" 0 ;;
        hostile) run hostile "$VMS" 1 ;;
        small) run small "$SMALL_VMS" 0 ;;
        *) echo "unknown run $r" >&2; exit 2 ;;
    esac
done
if [ -n "${P99[baseline]:-}" ] && [ -n "${P99[hostile]:-}" ]; then
    awk -v h="${P99[hostile]}" -v b="${P99[baseline]}" \
        'BEGIN { printf "p99 hostile/baseline: %.2f (target <= 2)\n", (b > 0 ? h / b : 0) }'
fi
if [ -n "${RSS[small]:-}" ] && [ -n "${RSS[baseline]:-}" ]; then
    d=$((VMS - SMALL_VMS))
    awk -v r1="${RSS[small]}" -v r2="${RSS[baseline]}" -v p1="${ANON[small]}" -v p2="${ANON[baseline]}" \
        -v h1="${HEAP[small]}" -v h2="${HEAP[baseline]}" -v d="$d" -v a="$SMALL_VMS" -v b="$VMS" \
        'BEGIN { printf "marginal memory per VM (%d -> %d VMs): RSS %.1f KiB (of it private, RssAnon: %.1f KiB), heap after GC %.1f KiB (goal <= 12 KiB)\n", a, b, (r2 - r1) / d, (p2 - p1) / d, (h2 - h1) / d }'
fi
echo "uptime:$(uptime)"
exit "$failed"
