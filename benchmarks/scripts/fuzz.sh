#!/usr/bin/env bash
# Fuzzes each @FuzzTest target in turn with Jazzer (coverage-guided, libFuzzer) for a number of
# executions, and prints libFuzzer's final status line for each. A finding fails the run and
# leaves its input under src/test/resources/.../<Class>Inputs/<method>/, where `mvn verify`
# replays it from then on.
#
#   benchmarks/scripts/fuzz.sh [RUNS] [TARGET...]      RUNS defaults to 10000000; TARGET is Class#method
#
# Each input may run at most 10 s (libFuzzer's -timeout): longer is a hang, a finding.
# FUZZ_MAX_SECONDS=N ends each target after N seconds (libFuzzer's -max_total_time) with its final
# statistics, the way to bound a run in time; a signal would leave a spurious crash- file.
# Brief fuzzing in CI: benchmarks/scripts/fuzz.sh 20000. The generated corpus grows in each module's
# .cifuzz-corpus/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10000000}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(
    "host-collector:GuestMessageFuzzTest#any_bytes_end_accepted_or_as_a_counted_reject"
    "host-collector:ConfigAndDescriptorFuzzTest#a_descriptor_is_accepted_or_refused_with_its_field"
    "host-collector:ConfigAndDescriptorFuzzTest#a_configuration_is_accepted_or_refused_with_its_field"
    "guest-agent:Http2ReaderFuzzTest#hpack_decodes_or_reports_a_protocol_error"
    "guest-agent:Http2ReaderFuzzTest#the_frame_reader_ends_the_call_with_its_own_status"
    "guest-agent:ProcParsersFuzzTest#proc_stat_parses_or_reports_a_format_error"
    "guest-agent:ProcParsersFuzzTest#meminfo_parses_or_reports_a_format_error"
    "guest-agent:ProcParsersFuzzTest#mountinfo_parses_or_reports_a_format_error"
    "registry:RegistryReaderFuzzTest#arbitrary_bytes_as_a_registry_file_are_refused_or_read_within_bounds"
  )
fi
LOGS=${FUZZ_LOGS:-target/fuzz-logs}
mkdir -p "$LOGS"
status=0
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  module=${t%%:*}
  test=${t#*:}
  log="$LOGS/${test//#/.}.log"
  start=$(date +%s)
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  # jazzer.internal.arg.N are libFuzzer's argv; argv[0] is ignored by libFuzzer.
  if JAZZER_FUZZ=1 mvn -B -q -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-runs="$RUNS" \
      -Djazzer.internal.arg.2=-print_final_stats=1 -Djazzer.internal.arg.3=-timeout=10 \
      ${FUZZ_MAX_SECONDS:+-Djazzer.internal.arg.4=-max_total_time=$FUZZ_MAX_SECONDS} >"$log" 2>&1; then
    result=ok; passed=$((passed + 1))
  else
    result=FINDING; status=1; failed=$((failed + 1))
  fi
  done_line=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  execs=$(grep -aE 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}' || true)
  echo "$test: $result, ${execs:-?} executions in $(( $(date +%s) - start )) s" \
    "(load $load_before at start, $(cut -d' ' -f1 /proc/loadavg) at end); ${done_line:-no DONE line}"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
