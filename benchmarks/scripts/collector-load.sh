#!/bin/bash
# The host collector under load: N VMs registered by descriptor files, N simulated guest agents
# (one gRPC stream each, over each VM's own Unix socket, one sample per second), and with
# MODE=host a stand-in Firecracker per VM for the host reads. Prints the collector's CPU (% of
# one core, from utime+stime in /proc/PID/stat) and RSS (from /proc/PID/status) in steady state,
# and checks through the Python reader that all N slots are live and fresh.
# docs/benchmarks.md ("Collector at 1,000 VMs") has the results.
#
#   benchmarks/scripts/collector-load.sh                       # MODE=guest N=1000
#   MODE=host benchmarks/scripts/collector-load.sh             # + vCPU threads, process, TAP, Firecracker metrics and API
#
# Settings (environment): MODE guest|host, N VMs, WARMUP seconds before measuring, MEASURE seconds
# per round, ROUNDS, COLLECTOR_JAVA_OPTS (default: the systemd unit's flags), SKIP_BUILD=1,
# COLLECTOR_JAR (default host-collector/target/host-collector.jar; to compare two builds), BENCH_JAR
# (default benchmarks/target/benchmarks.jar: the simulated guests, to compare two drivers).
# MODE=host needs root (network namespace, TAPs) and gcc.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=${MODE:-guest}
N=${N:-1000}
WARMUP=${WARMUP:-30}
MEASURE=${MEASURE:-60}
ROUNDS=${ROUNDS:-2}
VCPUS=${VCPUS:-2}
case $MODE in guest|host) ;; *) echo "MODE must be guest or host" >&2; exit 2 ;; esac

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl benchmarks -am package -DskipTests
fi

TMP=$(mktemp -d /tmp/vmpulse-load.XXXXXX)
REGISTRY=/dev/shm/vmpulse-load-$$
# shellcheck source=benchmarks/scripts/collector-lib.sh
. benchmarks/scripts/collector-lib.sh
NS=vmpulse-load-$$
PIDS=()
cleanup() {
    stop_pids
    if [ "$MODE" = host ]; then
        ip netns del "$NS" 2>/dev/null || true
    fi
    rm -rf "$TMP" "$REGISTRY"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TMP/vms.d" "$TMP/s" "$TMP/vmm"
chmod 755 "$TMP"
# Run copies, so that a rebuild during the run cannot pull classes from under the JVMs.
cp "${COLLECTOR_JAR:-host-collector/target/host-collector.jar}" "$TMP/host-collector.jar"
cp "${BENCH_JAR:-benchmarks/target/benchmarks.jar}" "$TMP/benchmarks.jar"

if [ "$MODE" = host ]; then
    gcc -O2 -Wall -Wextra -o "$TMP/load_vmm" benchmarks/scripts/load_vmm.c -pthread
    "$TMP/load_vmm" "$TMP/vmm" "$N" "$VCPUS" > "$TMP/vmm.pids" &
    PIDS+=($!)
    for _ in $(seq 600); do
        [ "$(wc -l < "$TMP/vmm.pids")" -ge "$N" ] && break
        sleep 0.1
    done
    [ "$(wc -l < "$TMP/vmm.pids")" -ge "$N" ] || { echo "stand-in VMMs did not start" >&2; exit 1; }
    ip netns add "$NS"
    ip -n "$NS" link set lo up
    for i in $(seq 0 $((N - 1))); do echo "tuntap add dev lt$i mode tap"; done > "$TMP/taps.batch"
    ip -n "$NS" -batch "$TMP/taps.batch"
fi

# One descriptor per VM, written before the collector starts: it loads the directory at start.
for i in $(seq 0 $((N - 1))); do
    if [ "$MODE" = host ]; then
        pid=$(awk -v i="$i" '$1 == i { print $2 }' "$TMP/vmm.pids")
        printf '{"id": "vm-%d", "hypervisor": "firecracker", "vmm_pid": %d, "guest": {"hybrid_vsock": {"uds_path": "%s", "port": 1024}}, "taps": ["lt%d"], "block_devices": ["rootfs"], "host": {"api_socket": "%s", "metrics_path": "%s"}}\n' \
            "$i" "$pid" "$TMP/s/vm-$i.vsock" "$i" "$TMP/vmm/vm-$i.api" "$TMP/vmm/vm-$i.metrics" > "$TMP/vms.d/vm-$i.json"
    else
        guest_descriptor "vm-$i"
    fi
done
write_collector_config "$N"

# The collector runs in the namespace that holds the TAPs, so its /sys/class/net shows them.
RUN_IN_NS=()
[ "$MODE" = host ] && RUN_IN_NS=(ip netns exec "$NS")
start_collector "$N" "${RUN_IN_NS[@]}"
echo "collector pid $COLLECTOR listening for $LISTENING VMs ($MODE mode)"

SIM_SECONDS=$((WARMUP + ROUNDS * MEASURE + 15))
java -XX:+UseSerialGC -Xmx512m -cp "$TMP/benchmarks.jar" io.vmpulse.bench.load.SimulatedGuests \
    "$TMP/s/vm-%d.vsock_1024" "$N" "$SIM_SECONDS" > "$TMP/sim.log" 2>&1 &
SIM=$!
PIDS+=("$SIM")

pause "$WARMUP"
for r in $(seq "$ROUNDS"); do
    t0=$(cpu_ticks); s0=$(date +%s%N)
    pause "$MEASURE"
    t1=$(cpu_ticks); s1=$(date +%s%N)
    cpu=$(percent_of_core "$((t1 - t0))" "$((s1 - s0))")
    echo "round $r: collector CPU ${cpu}% of one core over $(( (s1 - s0) / 1000000000 )) s;" \
        "VmRSS $(( $(status_kb VmRSS) / 1024 )) MiB (RssAnon $(( $(status_kb RssAnon) / 1024 )) MiB," \
        "RssFile $(( $(status_kb RssFile) / 1024 )) MiB); threads $(status_kb Threads);" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# Every slot live, fed by its guest within the last 3 s, and (host mode) every host source read.
check=0
python3 - "$REGISTRY" "$N" "$MODE" <<'EOF' || check=1
import sys, time
sys.path.insert(0, "registry/python")
import vmpulse_shm as v
path, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reg = v.Registry(path)
now = time.monotonic_ns()
live = list(reg.live())
f = reg.fields
def val(s, name):
    return f[name].value(s.sample)
fresh = sum(1 for s in live if now - val(s, "last_guest_mono_ns") < 3_000_000_000)
connected = sum(1 for s in live if val(s, "flags") & 1 and not val(s, "flags") & 2)
want = (1 << 8) | (1 << 9) | (1 << 11) | (1 << 12) | (1 << 14)  # vCPU, process, block, net, host rates
host_ok = sum(1 for s in live if val(s, "presence") & want == want and not val(s, "flags") & 0x3f00)
vcpus = sorted({val(s, "vcpu_count") for s in live})
print(f"registry: {len(live)} live slots, {fresh} with a guest sample younger than 3 s, "
      f"{connected} connected and not stale" + (f", {host_ok} with every host source present, none failing "
      f"(vCPU counts {vcpus})" if mode == "host" else ""))
ok = len(live) == n and fresh == n and connected == n and (mode != "host" or host_ok == n)
if mode == "host":
    # Name the first few VMs that miss a host source, with what their slot says, to say why.
    for s in [s for s in live if val(s, "presence") & want != want or val(s, "flags") & 0x3f00][:5]:
        print(f"  {s.vm_id}: presence {val(s, 'presence'):#x}, flags {val(s, 'flags'):#x}, "
              f"vcpu_count {val(s, 'vcpu_count')}")
sys.exit(0 if ok else 1)
EOF

if [ "$MODE" = host ]; then
    # A stand-in that died takes its VM's vCPU, process and block sources with it: say so, and fail.
    gone=0
    while read -r _ pid; do kill -0 "$pid" 2>/dev/null || gone=$((gone + 1)); done < "$TMP/vmm.pids"
    echo "stand-in VMMs: $gone of $N exited during the run"
    [ "$gone" -eq 0 ] || check=1
fi

wait "$SIM" || { echo "simulated guests reported a failure:" >&2; tail -5 "$TMP/sim.log" >&2; exit 1; }
grep -E '^(simulating|end|summary)' "$TMP/sim.log"
if grep -q -E 'SEVERE|WARNING' "$TMP/collector.log"; then
    echo "collector warnings:"; grep -E 'SEVERE|WARNING' -A1 "$TMP/collector.log" | head -10
fi
echo "collector flags: $COLLECTOR_JAVA_OPTS"
exit "$check"
