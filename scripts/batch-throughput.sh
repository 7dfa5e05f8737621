#!/usr/bin/env bash
# Batch-verification throughput of `zkmeter batch-verify`: bills/s vs threads and the per-stage
# cost breakdown, on a generated corpus of honest submissions.
#
#   scripts/batch-throughput.sh [METERS] [SIZE] [THREADS...]
#   scripts/batch-throughput.sh 256 day-15min 1 2
#
# REPLICATE=R also puts R byte copies of the corpus in subdirectories copy-1..copy-R. Since the
# settle pass (docs/batch.md), a copy is settled as a `duplicate` after its cheap checks and
# before any proof check: the copies measure the cheap checks and the settle pass, not proof
# verification. For proof-verification throughput use more meters, not copies.
# Each thread count runs on a fresh ledger (every bill newly recorded), with the default chunk.
# Prints one line per run: threads, files, seconds, bills/s, then the job's stage times.
# Set ZKMETER_PARAMS_DIR to reuse cached IPA parameters. Record the machine with the numbers.
set -euo pipefail
meters=${1:-256}
size=${2:-day-15min}
shift 2 || true
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 "$(nproc)")

cargo build --release -p zkmeter >/dev/null
zk=target/release/zkmeter
work=${BATCH_WORK:-$(mktemp -d)}
corpus="$work/corpus-$size-$meters"
if [ ! -f "$corpus/meters" ]; then
  "$zk" corpus --meters "$meters" --size "$size" --out "$corpus" >&2
fi
for r in $(seq 1 "${REPLICATE:-0}"); do
  [ -d "$corpus/submissions/copy-$r" ] && continue
  mkdir -p "$corpus/submissions/copy-$r"
  cp "$corpus"/submissions/*.bin "$corpus/submissions/copy-$r/"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in "${threads[@]}"; do
  run="$work/run-$t"
  rm -rf "$run" && mkdir -p "$run"
  "$zk" batch-verify --in "$corpus/submissions" --meters "$corpus/meters" \
    --tariffs "$corpus/tariffs" --ledger "$run/ledger.sqlite" --report "$run/report.csv" \
    --summary "$run/summary.json" --threads "$t" >"$run/stdout" 2>"$run/stderr"
  secs=$(grep -o '"seconds": [0-9.]*' "$run/summary.json" | cut -d' ' -f2)
  files=$(grep -o '"files": [0-9]*' "$run/summary.json" | cut -d' ' -f2)
  params=$(grep -o 'parameters (wall) *[0-9.]*' "$run/stderr" | awk '{print $NF}')
  keys=$(grep -o 'verifying keys (wall) *[0-9.]*' "$run/stderr" | awk '{print $NF}')
  setup=$(echo "$params + $keys" | bc -l)
  echo "threads $t: $files bills in $secs s = $(echo "$files / $secs" | bc -l | xargs printf '%.1f') bills/s;" \
    "without the one-off setup (parameters $params s, verifying keys $keys s): $(echo "$files / ($secs - $setup)" | bc -l | xargs printf '%.1f') bills/s"
  sed -n '/stage times/,$p' "$run/stderr"
done
