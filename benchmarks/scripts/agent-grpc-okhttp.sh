#!/bin/bash
# Throwaway comparison (issue 16): the agent's own gRPC client against grpc-okhttp with
# protobuf-javalite, once. Both run with the launcher's JVM flags on the JDK with class-data
# sharing off (-Xshare:off, as the image runs: its runtime has no archive), one after the other,
# against the same collector stand-in on TCP loopback (benchmarks/scripts/agent-grpc-okhttp/src/Harness.java,
# a grpc-okhttp server that welcomes and acknowledges every 8 samples), and prints per interval:
# RSS, RssAnon, threads, classes (-Xlog:class+load lines) and CPU per sample (schedstat of all
# threads over the window / samples received). The okhttp client samples with the agent's own
# sampler and encoder and parses the bytes into the lite Sample before sending, as an agent on
# generated lite classes would build one.
# Usage: benchmarks/scripts/agent-grpc-okhttp.sh [WINDOW_S [WARMUP_S]]   (defaults 20 and 30)
# Needs: mvn (downloads grpc-okhttp 1.68.0, the newest this registry serves, and
# protobuf-javalite 4.36.2 into benchmarks/scripts/agent-grpc-okhttp/target/lib), the built agent.
set -euo pipefail
window=${1:-20}
warmup=${2:-30}
root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
h=$root/benchmarks/scripts/agent-grpc-okhttp
agent=$root/guest-agent/target
if [ ! -d "$h/target/lib" ]; then
    (cd "$h" && mvn -B -q dependency:copy-dependencies -DoutputDirectory=target/lib)
fi
protoc=$(ls ~/.m2/repository/com/google/protobuf/protoc/*/protoc-*-linux-x86_64.exe | tail -n 1)
chmod +x "$protoc"
rm -rf "$h/target/gen" "$h/target/classes" && mkdir -p "$h/target/gen" "$h/target/classes"
"$protoc" --proto_path="$root/proto/src/main/proto" --java_out=lite:"$h/target/gen" \
    "$root/proto/src/main/proto/vmpulse/agent/v1/agent.proto"
javac -nowarn -d "$h/target/classes" -cp "$h/target/lib/*:$agent/classes" \
    $(find "$h/target/gen" "$h/src" -name '*.java') 2>&1 | grep -v '^Note' || true
cp="$h/target/classes:$h/target/lib/*:$agent/classes"

flags=$(sed -n '/^flags=\${VMPULSE_AGENT_JVM_FLAGS-"/,/"}$/p' "$agent/vmpulse-agent" | sed 's/^flags=\${VMPULSE_AGENT_JVM_FLAGS-"//; s/"}$//; s/\\$//' | tr '\n' ' ')
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
java -XX:+UseSerialGC -Xmx128m -cp "$cp" Harness server "$port" > "$work/server.out" 2>"$work/server.err" &
pids+=($!)
sleep 3

received() { tail -n 1 "$work/server.out" | awk '{print $2}'; }
task_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' /proc/"$1"/status; }
echo "JVM flags: $flags -Xshare:off; window ${window} s after ${warmup} s; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-6s %8s %10s %12s %8s %8s %12s\n' client interval samples RSS_KiB RssAnon_KiB threads classes us/sample
for client in agent okhttp; do
    for ms in 1000 10; do
        log=$work/classes-$client-$ms.log
        if [ $client = agent ]; then
            MALLOC_ARENA_MAX=2 java $flags -Xshare:off -Xlog:class+load=info:file="$log" \
                -Dvmpulse.agent.native="$agent/libvmpulse-agent.so" -jar "$agent/guest-agent.jar" \
                --collector "tcp://127.0.0.1:$port" --interval "${ms}ms" 2>"$work/$client.err" &
        else
            MALLOC_ARENA_MAX=2 java $flags -Xshare:off -Xlog:class+load=info:file="$log" \
                -cp "$cp" Harness client "$port" "$ms" 2>"$work/$client.err" &
        fi
        pid=$!
        pids+=($pid)
        sleep "$warmup"
        n0=$(received); ns0=$(task_ns $pid)
        sleep "$window"
        n1=$(received); ns1=$(task_ns $pid)
        rss=$(status_kib $pid VmRSS); anon=$(status_kib $pid RssAnon); th=$(status_kib $pid Threads)
        cl=$(grep -c 'class,load' "$log")
        kill $pid; wait $pid 2>/dev/null || true
        n=$((n1 - n0))
        if [ "$n" -le 0 ]; then echo "$client at $ms ms: no samples" >&2; cat "$work/$client.err" >&2; exit 1; fi
        awk -v c=$client -v i="${ms}ms" -v n=$n -v rss=$rss -v anon=$anon -v th=$th -v cl=$cl -v ns=$((ns1 - ns0)) \
            'BEGIN { printf "%-8s %-6s %8d %10d %12d %8d %8d %12.1f\n", c, i, n, rss, anon, th, cl, ns / 1000 / n }'
    done
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
