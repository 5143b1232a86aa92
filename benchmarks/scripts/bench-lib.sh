# Shared by the benchmark scripts (sourced, not run): the background processes a script starts
# (their pids in PIDS) and its scratch files, gone however the script ends.

# stop_pids: kills every process in PIDS, waits for each, and empties PIDS.
stop_pids() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
}

# scratch NAME: TMP, a private directory, and REGISTRY, a /dev/shm path, both named after NAME
# (and this shell); on exit, or on a signal, every process in PIDS is stopped and both are removed.
scratch() {
    TMP=$(mktemp -d "/tmp/vmpulse-$1.XXXXXX")
    REGISTRY=/dev/shm/vmpulse-$1-$$
    PIDS=()
    trap 'stop_pids; rm -rf "$TMP" "$REGISTRY"' EXIT
    trap 'exit 130' INT TERM
}
