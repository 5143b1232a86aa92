#!/bin/bash
# gRPC's floor per VM: the live heap grpc-netty keeps per Unix-socket listener and per guest
# connection (one open stream), measured with io.vmpulse.bench.load.GrpcMemoryFloor in a server JVM
# run with the collector unit's flags (a larger -Xmx), against a guest JVM holding one connection
# per listener. Each MODE runs at each N in a fresh server JVM; the marginal figures (from the
# smallest to the largest N) cancel what is allocated once.
#
#   benchmarks/scripts/grpc-floor.sh                      # MODES="grpc grpc-nokeepalive ingest" NS="1024 4096"
#   MODES=ingest NS="1024 4096" SKIP_BUILD=1 benchmarks/scripts/grpc-floor.sh
#
# Modes: grpc = grpc-netty with IngestServer.common()'s options and one shared service (the floor);
# grpc-nokeepalive = the same with server keepalive pings off; ingest = the collector's IngestServer
# with a GuestLink per VM. Settings (environment): MODES, NS, SERVER_XMX (default 512m),
# COLLECTOR_JAVA_OPTS (default: the unit's flags, whose -Xmx is replaced by SERVER_XMX), GUEST_JAVA_OPTS,
# KEEP_HISTOGRAMS (a directory to copy each run's class histograms to), SKIP_BUILD=1.
# docs/benchmarks.md ("gRPC's floor per VM") has the results.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODES=${MODES:-"grpc grpc-nokeepalive ingest"}
NS=${NS:-"1024 4096"}
SERVER_XMX=${SERVER_XMX:-512m}
GUEST_JAVA_OPTS=${GUEST_JAVA_OPTS:-"-XX:+UseSerialGC -Xmx1g"}

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -B -o -q -pl benchmarks -am package -DskipTests
fi

BASE=$(mktemp -d /tmp/vmpulse-grpcfloor.XXXXXX)
cp benchmarks/target/benchmarks.jar "$BASE/"
SERVER=
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=benchmarks/scripts/collector-lib.sh
. benchmarks/scripts/collector-lib.sh
SERVER_OPTS=$(sed "s/-Xmx[0-9]*[kmg]/-Xmx$SERVER_XMX/" <<< "$COLLECTOR_JAVA_OPTS")

echo "grpc-floor: MODES=\"$MODES\" NS=\"$NS\"; $(nproc) CPUs; $(java -version 2>&1 | head -1); uptime:$(uptime)"
echo "server flags: $SERVER_OPTS"
echo "guest flags: $GUEST_JAVA_OPTS"
declare -A LISTENING CONNECTED EMPTY
for mode in $MODES; do
    for n in $NS; do
        dir=$BASE/$mode-$n
        mkdir -p "$dir"
        echo "== $mode, $n VMs (uptime:$(uptime))"
        # shellcheck disable=SC2086
        java $SERVER_OPTS -cp "$BASE/benchmarks.jar" io.vmpulse.bench.load.GrpcMemoryFloor \
            "$mode" "$dir" "$n" "$GUEST_JAVA_OPTS" > "$dir/out.txt" &
        SERVER=$!
        wait "$SERVER"
        SERVER=
        sed 's/^/   /' "$dir/out.txt"
        read -r _ _ _ e l c _ < <(grep '^result' "$dir/out.txt" | tr '=' ' ' | awk '{ print $1, $3, $5, $7, $9, $11, $13 }')
        EMPTY[$mode-$n]=$e; LISTENING[$mode-$n]=$l; CONNECTED[$mode-$n]=$c
        rm -f "$dir"/vm-*.sock
        if [ -n "${KEEP_HISTOGRAMS:-}" ]; then
            mkdir -p "$KEEP_HISTOGRAMS/$mode-$n" && cp "$dir"/histogram-*.txt "$KEEP_HISTOGRAMS/$mode-$n/"
        fi
    done
done

# Marginal per VM from the smallest to the largest N of each mode.
lo=$(tr ' ' '\n' <<< "$NS" | sort -n | head -1)
hi=$(tr ' ' '\n' <<< "$NS" | sort -n | tail -1)
if [ "$lo" != "$hi" ]; then
    echo "marginal, $lo -> $hi VMs (bytes of live heap per VM):"
    for mode in $MODES; do
        awk -v m="$mode" -v a="$lo" -v b="$hi" \
            -v l1="${LISTENING[$mode-$lo]}" -v l2="${LISTENING[$mode-$hi]}" \
            -v c1="${CONNECTED[$mode-$lo]}" -v c2="${CONNECTED[$mode-$hi]}" \
            'BEGIN { d = b - a; pl = (l2 - l1) / d; pc = ((c2 - l2) - (c1 - l1)) / d;
                     printf "   %-17s per listener %6.0f B, per connection %6.0f B, per VM %6.0f B (%.1f KiB)\n", m, pl, pc, pl + pc, (pl + pc) / 1024 }'
    done
fi
echo "uptime:$(uptime)"
