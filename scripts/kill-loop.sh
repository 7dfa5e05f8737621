#!/usr/bin/env bash
# Randomised crash test of `zkmeter batch-verify`: run the job, SIGKILL it after a random delay,
# repeat N times on the same ledger, then let it finish; the final report and ledger must equal
# those of one uninterrupted run. Also injects the named fault points at random.
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
dump() { sqlite3 "$1/ledger.sqlite" 'SELECT * FROM bills ORDER BY 1, 2' 2>/dev/null ||
  python3 -c "import sqlite3,sys; [print(r) for r in sqlite3.connect(sys.argv[1]).execute('SELECT * FROM bills ORDER BY 1, 2')]" "$1/ledger.sqlite"; }
mkdir -p "$work/ref" "$work/k"
(job "$work/ref" >/dev/null 2>&1)
faults=(before-commit:1 before-commit:3 mid-commit:2 mid-commit:5 after-commit:1 after-commit:4 before-report-rename)
for i in $(seq 1 "$rounds"); do
  if (( RANDOM % 3 == 0 )); then
    f=${faults[RANDOM % ${#faults[@]}]}
    (ZKMETER_FAULT=$f job "$work/k" >/dev/null 2>&1) || true
    echo "round $i: fault $f"
  else
    job "$work/k" >/dev/null 2>&1 & pid=$!
    delay=$(printf "%d.%03d" $((RANDOM % 3)) $((RANDOM % 1000)))
    sleep "$delay"; kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    echo "round $i: SIGKILL after ${delay}s"
  fi
done
(job "$work/k" >/dev/null 2>&1) || { echo "FAIL: the final run did not complete"; exit 1; }
cmp "$work/ref/report.csv" "$work/k/report.csv"
diff <(dump "$work/ref") <(dump "$work/k")
echo "OK: after $rounds kills the report and ledger equal the uninterrupted run's"
