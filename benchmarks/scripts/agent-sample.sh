#!/usr/bin/env bash
# One guest-agent sample: the Java sampler (JMH) against a C loop making the same system calls.
#
#   benchmarks/scripts/agent-sample.sh            build, then run both and print the figures and the ratio
#   SKIP_BUILD=1 benchmarks/scripts/agent-sample.sh   reuse benchmarks/target/benchmarks.jar
#
# Both sides stat the same filesystems (the ones the sampler reports on this machine). The C
# loop runs before and after JMH, and the ratio uses the mean of the two, because on a shared
# machine the load moves between runs. Java's figure is JMH's mean +- its 99.9% error.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-5}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-2}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 3 -w ${SECONDS_PER_ROUND}s -i ${ROUNDS} -r ${SECONDS_PER_ROUND}s}
JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/agent-sample

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    mvn -B -q ${MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
fi
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -o "$OUT/sample_loop" benchmarks/scripts/sample_loop.c

mapfile -t MOUNTS < <(java -cp "$JAR" io.vmpulse.bench.agent.ListFilesystems)
echo "filesystems: ${MOUNTS[*]}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$OUT/sample_loop" "$ROUNDS" "$SECONDS_PER_ROUND" "${MOUNTS[@]}" | tee "$OUT/c-before.txt"
# shellcheck disable=SC2086
java -jar "$JAR" 'io.vmpulse.bench.agent.GuestSampleBenchmark' $JMH_ARGS -prof gc \
    -rf json -rff "$OUT/jmh.json" | grep -E '^(Benchmark|GuestSampleBenchmark)'
"$OUT/sample_loop" "$ROUNDS" "$SECONDS_PER_ROUND" "${MOUNTS[@]}" | tee "$OUT/c-after.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def c_mean(name):
    for line in open(f"{out}/{name}"):
        if line.startswith("mean_ns_per_op"):
            return float(line.split()[1])
c = (c_mean("c-before.txt") + c_mean("c-after.txt")) / 2
java = {}
for r in json.load(open(f"{out}/jmh.json")):
    name = r["benchmark"].rsplit(".", 1)[1]
    m = r["primaryMetric"]
    alloc = r["secondaryMetrics"]["gc.alloc.rate.norm"]
    java[name] = (m["score"], m["scoreError"], alloc["score"], alloc["scoreError"])
print()
print(f"C loop (pread + poll + statvfs, no parse), mean of before/after: {c:10.0f} ns/op")
for name, (score, err, alloc, alloc_err) in java.items():
    print(f"Java {name:18s} {score:10.0f} +- {err:.0f} ns/op  ratio {score / c:.2f}x C  "
          f"alloc {alloc:.1f} +- {alloc_err:.1f} B/op")
PY
