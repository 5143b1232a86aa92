#!/bin/sh
# Guest agent footprint: runs the real agent through its launcher against a collector stand-in that
# only acknowledges (benchmarks: io.vmpulse.bench.agent.AckingCollector, on a Unix socket), at a
# 1 s and a 10 ms interval, and prints per interval, measured after a warm-up:
#   RSS and RssAnon (KiB, /proc/PID/status) at the end of the window;
#   CPU per sample: CPU time of the whole agent process (every thread: sampler, I/O, JIT, GC) over
#   the window divided by the samples the collector received in it, so sampling, encoding and
#   sending are all included; from the sum of /proc/PID/task/*/schedstat (ns, precise) and from
#   utime+stime of /proc/PID/stat (clock ticks, coarse: 10 ms each).
#
# After each interval, the raw work: benchmarks/scripts/sample_loop.c makes the same system calls as one sample
# (pread of /proc/stat and /proc/meminfo, poll of mountinfo, statvfs of the same filesystems),
# sleeping the same interval between samples, and its CPU per sample is printed with the ratio
# agent / raw. Both sides wake from a sleep with cold caches, as the agent does.
#
# Usage: benchmarks/scripts/agent-footprint.sh [SECONDS [WARMUP_SECONDS]]     (defaults: 60 and 300)
# The warm-up is long because at 1 s the JIT needs a few hundred samples to compile the hot path.
# Also printed: threads (/proc/PID/status), classes loaded (lines of the agent's
# -Xlog:class+load log, JDK classes included; `jcmd` would load ~110 classes of its own into the
# agent) and the load average (the machine is shared: read CPU figures against it and the ratio).
#
# The runtime, as the guest image has it: a jlink runtime of the modules images/stage-agent.sh
# puts in the image (AGENT_MODULES), with the same jlink options, and so no class-data sharing
# archive of the JDK's (the image has none). RUNTIME=jdk runs the agent on the JDK on PATH instead,
# which maps the JDK's own archive.
# Environment: VMPULSE_AGENT_JVM_FLAGS, VMPULSE_AGENT_JAVA_OPTS and VMPULSE_AGENT_CDS (a path, or
# off) reach the launcher, to measure alternatives; INTERVALS (default "1s 10ms") picks the
# intervals; AGENT_HOME (default guest-agent/target) is where vmpulse-agent and guest-agent.jar
# are, so that a copied build can be measured while the tree is rebuilt. Builds the jars first
# when they are missing.
set -eu

seconds=${1:-60}
warmup=${2:-300}
root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
agent_home=${AGENT_HOME:-$root/guest-agent/target}
launcher=$agent_home/vmpulse-agent
bench_jar=${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}
if [ ! -x "$launcher" ] || [ ! -f "$bench_jar" ]; then
    (cd "$root" && mvn -B -o -q -pl guest-agent,benchmarks -am package -DskipTests)
fi

work=$(mktemp -d)
if [ "${RUNTIME:-image}" = image ]; then
    modules=${AGENT_MODULES:-$(sed -n 's/^AGENT_MODULES=${AGENT_MODULES:-\(.*\)}$/\1/p' "$root/images/stage-agent.sh")}
    jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
        --output "$work/runtime"
    strip --strip-unneeded "$work/runtime/lib/server/libjvm.so" 2>/dev/null || true
    export JAVA_HOME="$work/runtime"
fi
collector_pid=
agent_pid=
cleanup() {
    if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; fi
    if [ -n "$collector_pid" ]; then kill "$collector_pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

/usr/bin/env -u JAVA_HOME java -XX:+UseSerialGC -Xmx128m -cp "$bench_jar" io.vmpulse.bench.agent.AckingCollector \
    "$work/collector.sock" >"$work/collector.out" 2>"$work/collector.log" &
collector_pid=$!
tries=0
until [ -S "$work/collector.sock" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then echo "collector did not start within 10 s" >&2; exit 1; fi
    sleep 0.1
done

received() { tail -n 1 "$work/collector.out" | awk '{print $2}'; }
task_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
stat_ticks() { sed 's/^.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' /proc/"$1"/status; }
clk_tck=$(getconf CLK_TCK)

# Both measured runs map the same class-data sharing archive: if it is missing, one agent run
# lists the classes it loads and a second start makes the archive from the list (the launcher's
# two steps), both before anything is measured.
cds=${VMPULSE_AGENT_CDS:-$agent_home/guest-agent.jsa}
if [ "$cds" != off ] && [ ! -e "$cds" ]; then
    for run_seconds in 10 3; do
        VMPULSE_AGENT_CDS=$cds "$launcher" --collector "unix://$work/collector.sock" --interval 10ms 2>"$work/agent.log" &
        agent_pid=$!
        sleep "$run_seconds"
        kill "$agent_pid"
        wait "$agent_pid" || true
        agent_pid=
    done
fi
export VMPULSE_AGENT_CDS="$cds"

gcc -O2 -Wall -Wextra -o "$work/sample_loop" "$root/benchmarks/scripts/sample_loop.c"
mounts=$(env -u JAVA_HOME java -cp "$bench_jar" io.vmpulse.bench.agent.ListFilesystems)

echo "java: $(${JAVA_HOME:+$JAVA_HOME/bin/}java -version 2>&1 | head -n 1) (${RUNTIME:-image} runtime${JAVA_HOME:+ $JAVA_HOME})"
echo "launcher flags: ${VMPULSE_AGENT_JVM_FLAGS-(the launcher default)} ${VMPULSE_AGENT_JAVA_OPTS:-}; CDS archive: $cds"
echo "window: ${seconds} s after ${warmup} s of warm-up"
printf '%-9s %8s %10s %12s %14s %14s %8s %8s %13s %6s  %s\n' interval samples RSS_KiB RssAnon_KiB us/sample \
    ticks_us/smpl threads classes raw_us/smpl ratio load
for interval in ${INTERVALS:-1s 10ms}; do
    rm -f "$work/classes.log"
    VMPULSE_AGENT_JAVA_OPTS="${VMPULSE_AGENT_JAVA_OPTS:-} -Xlog:class+load=info:file=$work/classes.log" \
        "$launcher" --collector "unix://$work/collector.sock" --interval "$interval" 2>"$work/agent.log" &
    agent_pid=$!
    sleep "$warmup"
    if ! kill -0 "$agent_pid" 2>/dev/null; then cat "$work/agent.log" >&2; exit 1; fi
    n0=$(received); ns0=$(task_ns "$agent_pid"); t0=$(stat_ticks "$agent_pid")
    sleep "$seconds"
    n1=$(received); ns1=$(task_ns "$agent_pid"); t1=$(stat_ticks "$agent_pid")
    rss=$(status_kib "$agent_pid" VmRSS)
    anon=$(status_kib "$agent_pid" RssAnon)
    threads=$(status_kib "$agent_pid" Threads)
    load=$(cut -d ' ' -f 1-3 /proc/loadavg)
    if [ -n "${SHOW_THREADS:-}" ]; then cat /proc/"$agent_pid"/task/*/comm | tr '\n' ',' >&2; echo >&2; fi
    classes=$(grep -c 'class,load' "$work/classes.log")
    kill "$agent_pid"
    wait "$agent_pid" || true
    agent_pid=
    if [ "$((n1 - n0))" -le 0 ]; then
        echo "no samples received at $interval" >&2; cat "$work/agent.log" >&2; exit 1
    fi
    pace_ms=$(awk -v i="$interval" 'BEGIN { v = i + 0; print (i ~ /ms$/) ? v : (i ~ /s$/ ? v * 1000 : v) }')
    # shellcheck disable=SC2086 # mount points are words
    raw_ns=$(PACE_MS=$pace_ms "$work/sample_loop" 1 "$seconds" $mounts | awk '/^mean_ns_per_op/ {print $2}')
    awk -v i="$interval" -v n="$((n1 - n0))" -v rss="$rss" -v anon="$anon" -v ns="$((ns1 - ns0))" \
        -v ticks="$((t1 - t0))" -v hz="$clk_tck" -v th="$threads" -v raw="$raw_ns" -v cl="${classes:-0}" \
        -v load="$load" 'BEGIN {
            printf "%-9s %8d %10d %12d %14.1f %14.1f %8d %8d %13.1f %6.2f  %s\n", i, n, rss, anon, ns / 1000 / n,
                ticks * 1e6 / hz / n, th, cl, raw / 1000, ns / n / raw, load
        }'
done
