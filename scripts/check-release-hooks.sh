#!/usr/bin/env bash
# A release binary carries no test hook: it holds none of the fault-injection strings, and a
# batch job run with ZKMETER_FAULT set runs to the end as if it were unset.
#
#   scripts/check-release-hooks.sh        (builds `cargo build --release`; ~2 s of proving)
set -euo pipefail
cargo build --release -p zkmeter >/dev/null 2>&1
zk=$PWD/target/release/zkmeter
if grep -aq "fault injection" "$zk"; then
  echo "FAIL: the release binary contains the fault-injection hook" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$zk" corpus --meters 2 --size day-15min --out "$work/c" >/dev/null 2>&1
for fault in before-commit:1 mid-commit:1 after-commit:1 before-report-rename before-run-finished; do
  ZKMETER_FAULT=$fault "$zk" batch-verify --in "$work/c/submissions" --meters "$work/c/meters" \
    --tariffs "$work/c/tariffs" --ledger "$work/$fault.sqlite" --report "$work/$fault.csv" \
    --summary "$work/$fault.json" >/dev/null 2>&1 || {
    echo "FAIL: ZKMETER_FAULT=$fault stopped a release batch job" >&2
    exit 1
  }
  accepted=$(grep -c ',accepted,' "$work/$fault.csv")
  if [ "$accepted" != 2 ]; then
    echo "FAIL: ZKMETER_FAULT=$fault: $accepted of 2 bills accepted" >&2
    exit 1
  fi
done
echo "OK: the release binary has no fault hook; ZKMETER_FAULT changes nothing"
