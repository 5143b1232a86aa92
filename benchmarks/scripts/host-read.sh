#!/bin/sh
# One VM's host-side read, Java (JMH) next to the same syscalls in C, against one stand-in VMM
# with 2 vCPU threads. Prints both figures; docs/benchmarks.md ("Host-side reads") has the result.
#   benchmarks/scripts/host-read.sh [TAP] [C_ITERATIONS]
set -eu
cd "$(dirname "$0")/../.."
TAP=${1:-lo}
ITERATIONS=${2:-200000}
OUT=benchmarks/scripts/out
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -o "$OUT/host_read_loop" benchmarks/scripts/host_read_loop.c -pthread

rm -f "$OUT/vm.pid"
"$OUT/host_read_loop" vm 2 > "$OUT/vm.pid" &
VM=$!
trap 'kill $VM 2>/dev/null || true' EXIT INT TERM
while [ ! -s "$OUT/vm.pid" ]; do sleep 0.1; done
PID=$(cat "$OUT/vm.pid")

echo "== C: same syscalls, pid $PID, tap $TAP"
"$OUT/host_read_loop" read "$PID" "$TAP" "$ITERATIONS"
"$OUT/host_read_loop" read "$PID" "$TAP" "$ITERATIONS"

if [ ! -f benchmarks/target/benchmarks.jar ]; then
    mvn -B -o -q -pl benchmarks -am package -DskipTests
fi
echo "== Java: HostReadBenchmark, pid $PID, tap $TAP"
java -jar benchmarks/target/benchmarks.jar HostReadBenchmark -p pid="$PID" -p tap="$TAP" -rf text -rff "$OUT/host-read-jmh.txt"
