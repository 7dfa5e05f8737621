#!/usr/bin/env bash
# Randomised crash test of `zkmeter batch-verify`: run the job, SIGKILL it after a random delay,
# repeat N times on the same ledger, then let it finish; the final report, summary and ledger
# must equal those of one uninterrupted run. Also injects the named fault points at random.
# A round that is not killed finishes its run (a later job would start run 2 and report every
# bill already-recorded), so it is compared with the uninterrupted run there and then, and the
# next round starts on a fresh ledger.
#
#   scripts/kill-loop.sh [ROUNDS] [METERS]        (defaults 30 rounds, 12 meters, day-15min)
set -euo pipefail
rounds=${1:-30}
meters=${2:-12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Fault points exist only in a build with the test hook; keep that binary apart and put the
# plain release binary back.
cargo build --release -p zkmeter --features zkmeter-verifier/fault-injection >/dev/null 2>&1
cp target/release/zkmeter "$work/zkmeter"
cargo build --release -p zkmeter >/dev/null 2>&1
zk=$work/zkmeter
"$zk" corpus --meters "$meters" --size day-15min --duplicates 2 --tampered 2 --revoked 1 \
  --hostile --out "$work/c" >/dev/null 2>&1
job() { # DIR [extra args]; `exec`, so that `job ... &` gives the PID of zkmeter itself
  local d=$1; shift
  exec "$zk" batch-verify --in "$work/c/submissions" --meters "$work/c/meters" \
    --tariffs "$work/c/tariffs" --ledger "$d/ledger.sqlite" --report "$d/report.csv" \
    --summary "$d/summary.json" --chunk 2 --threads 1 "$@"
}
query() { sqlite3 "$1/ledger.sqlite" "$2" 2>/dev/null ||
  python3 -c "import sqlite3,sys; [print(r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "$1/ledger.sqlite" "$2"; }
dump() { query "$1" 'SELECT * FROM bills ORDER BY 1, 2'; query "$1" 'SELECT * FROM runs ORDER BY 1'; }
# The summary without what only one process did (newly_recorded, proofs_verified, seconds).
run_summary() { grep -v -e newly_recorded -e proofs_verified -e seconds "$1/summary.json"; }
same() { # DIR: its finished run equals the uninterrupted one
  cmp "$work/ref/report.csv" "$1/report.csv"
  diff <(run_summary "$work/ref") <(run_summary "$1")
  diff <(dump "$work/ref") <(dump "$1")
}
mkdir -p "$work/ref" "$work/k"
t0=$(date +%s%N)
(job "$work/ref" >/dev/null 2>&1)
ref_ms=$(( ($(date +%s%N) - t0) / 1000000 + 1 )) # kills fall within one run's duration
faults=(before-commit:1 before-commit:3 mid-commit:2 mid-commit:5 after-commit:1 after-commit:4
        before-report-rename before-run-finished)
finished=0
for i in $(seq 1 "$rounds"); do
  if (( RANDOM % 3 == 0 )); then
    f=${faults[RANDOM % ${#faults[@]}]}
    (ZKMETER_FAULT=$f job "$work/k" >/dev/null 2>&1) && status=0 || status=$?
    echo "round $i: fault $f"
  else
    job "$work/k" >/dev/null 2>&1 & pid=$!
    ms=$(( (RANDOM * 32768 + RANDOM) % ref_ms ))
    delay=$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))
    sleep "$delay"; kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null && status=0 || status=$?
    echo "round $i: SIGKILL after ${delay}s"
  fi
  if (( status == 0 )); then # the run finished before the kill: compare, then start afresh
    same "$work/k"
    finished=$((finished + 1))
    echo "round $i: the run finished; it equals the uninterrupted run; new ledger"
    rm -rf "$work/k" && mkdir -p "$work/k"
  fi
done
(job "$work/k" >/dev/null 2>&1) || { echo "FAIL: the final run did not complete"; exit 1; }
same "$work/k"
echo "OK: after $rounds kills ($finished runs finished early) the report, summary and ledger equal the uninterrupted run's"
