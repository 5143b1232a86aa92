# Shared by collector-load.sh and isolation.sh (sourced, not run): the collector under test as the
# systemd unit runs it, N VMs registered by descriptor files, and readings of its CPU and memory.
# The caller sets TMP (a private directory) and REGISTRY (a /dev/shm path) first.

# shellcheck source=benchmarks/scripts/bench-lib.sh
. benchmarks/scripts/bench-lib.sh

# Keep in step with host-collector/src/main/dist/vmpulse-collector.service.
COLLECTOR_JAVA_OPTS=${COLLECTOR_JAVA_OPTS:-"-XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -XX:TrimNativeHeapInterval=10000 -XX:+ExitOnOutOfMemoryError -Xmn8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"}
HZ=$(getconf CLK_TCK)

# A sleep in the background, so that a signal runs the caller's cleanup at once.
pause() { sleep "$1" & wait $!; }

# guest_descriptor ID: a VM whose guest connects over hybrid vsock at $TMP/s/ID.vsock_1024.
guest_descriptor() {
    printf '{"id": "%s", "hypervisor": "none", "guest": {"hybrid_vsock": {"uds_path": "%s", "port": 1024}}}\n' \
        "$1" "$TMP/s/$1.vsock" > "$TMP/vms.d/$1.json"
}

# write_collector_config SLOTS: the collector's config, slots rounded up to at least 1,024.
write_collector_config() {
    cat > "$TMP/collector.json" <<JSON
{"registry": {"path": "$REGISTRY", "slots": $(( $1 > 1024 ? $1 : 1024 ))},
 "descriptorDir": "$TMP/vms.d", "controlSocket": "$TMP/control.sock", "intervalMs": 1000}
JSON
}

# start_collector WANT [PREFIX...]: starts the collector (optionally under PREFIX, e.g. ip netns
# exec), sets COLLECTOR to its pid and waits until WANT guest sockets listen.
start_collector() {
    local want=$1; shift
    # shellcheck disable=SC2086
    "$@" java $COLLECTOR_JAVA_OPTS -jar "$TMP/host-collector.jar" \
        serve --config "$TMP/collector.json" > "$TMP/collector.log" 2>&1 &
    COLLECTOR=$!
    PIDS+=("$COLLECTOR")
    for _ in $(seq 1200); do
        [ "$(find "$TMP/s" -name '*_1024' | wc -l)" -ge "$want" ] && break
        kill -0 "$COLLECTOR" 2>/dev/null || { cat "$TMP/collector.log" >&2; exit 1; }
        sleep 0.1
    done
    LISTENING=$(find "$TMP/s" -name '*_1024' | wc -l)
    [ "$LISTENING" -ge "$want" ] || { echo "collector listens for $LISTENING of $want VMs" >&2; exit 1; }
}

# The collector's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$COLLECTOR/stat"; }
# A /proc/PID/status line's value in KiB (VmRSS, RssAnon, RssFile, RssShmem, Threads...).
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$COLLECTOR/status"; }
# percent_of_core TICKS NANOS: CPU ticks over a wall-clock span, as % of one core.
percent_of_core() { awk -v t="$1" -v hz="$HZ" -v ns="$2" 'BEGIN { printf "%.2f", 100 * t / hz / (ns / 1e9) }'; }
# The collector's live Java heap in KiB after a full collection (jcmd GC.run, then the used part
# of each generation in GC.heap_info; metaspace not included).
heap_after_gc_kb() {
    # A JVM that refuses the attach (no jcmd, another user's) gives 0 rather than ending the run.
    jcmd "$COLLECTOR" GC.run > /dev/null 2>&1 || true
    { jcmd "$COLLECTOR" GC.heap_info 2>/dev/null || true; } |
        awk '/generation|heap +total/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); s += v } } END { print s + 0 }'
}
