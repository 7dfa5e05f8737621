#!/usr/bin/env bash
# Whole `zkmeter prove` processes side by side, alternating, with wall time and peak RSS
# (/usr/bin/time), median of RUNS per case. Used for BENCHMARKS.md "Real meters".
#
#   scripts/prove-compare.sh OLD_BIN NEW_BIN [RUNS] [WORKDIR]
#
# OLD_BIN is a build of an earlier commit (its own checkout: `git worktree add ../old COMMIT`,
# then `cargo build --release --bin zkmeter` there), NEW_BIN this one. Both prove the same
# synthetic household (seed 7) under the same demo tariff (seed 1), one month of quarter-hours
# from 2026-01-01; NEW_BIN also proves it in mWh, with an export register (-ie, mWh), and the
# day sizes. Parameters are generated on first use (outside the timed runs).
set -euo pipefail
old=$1 new=$2 runs=${3:-5} work=${4:-$(mktemp -d)}
start=2026-01-01T00:00:00Z
mkdir -p "$work"
prepare() { # BIN NAME SIZE [record flags...]
  local bin=$1 name=$2 size=$3; shift 3
  local d="$work/$name"; mkdir -p "$d"
  [ -f "$d/keys/meter.key" ] || "$bin" meter keygen --out "$d/keys" >/dev/null
  "$bin" meter record --key "$d/keys/meter.key" --meter-id m-1 --start $start \
    --slot-minutes 15 --size "$size" --synthetic 7 "$@" --out "$d/period.bin" >/dev/null
  "$bin" tariff demo --start $start --slot-minutes 15 --size "$size" --seed 1 \
    --out "$d/tariff.json" >/dev/null
  "$bin" prove --period "$d/period.bin" --tariff "$d/tariff.json" --out "$d/s.bin" \
    >/dev/null 2>&1   # parameters generated here, not in the timed runs
}
cases=(
  "old-month-15min-wh|$old|month-15min"
  "new-month-15min-wh|$new|month-15min"
  "new-month-15min-mwh|$new|month-15min|--unit|mWh"
  "new-month-15min-ie-mwh|$new|month-15min-ie|--unit|mWh"
  "old-day-15min-wh|$old|day-15min"
  "new-day-15min-mwh|$new|day-15min|--unit|mWh"
  "new-day-15min-ie-mwh|$new|day-15min-ie|--unit|mWh"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name bin size rest <<<"$c"
  IFS='|' read -ra extra <<<"${rest:-}"
  prepare "$bin" "$name" "$size" "${extra[@]}"
done
for ((i = 1; i <= runs; i++)); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name bin _ <<<"$c"
    d="$work/$name"
    /usr/bin/time -a -o "$work/times.txt" -f "$name %e %M" "$bin" prove --period "$d/period.bin" \
      --tariff "$d/tariff.json" --out "$d/s.bin" >/dev/null 2>&1
  done
done
python3 - "$work" "${cases[@]}" <<'PY'
import os, statistics, sys
work, cases = sys.argv[1], [c.split("|")[0] for c in sys.argv[2:]]
rows = [line.split() for line in open(os.path.join(work, "times.txt"))]
print(f"{'case':<26} {'median wall (s)':>16} {'median peak RSS (MiB)':>22} {'submission bytes':>17} {'runs':>5}")
for name in cases:
    wall = [float(r[1]) for r in rows if r[0] == name]
    rss = [int(r[2]) / 1024 for r in rows if r[0] == name]
    size = os.path.getsize(os.path.join(work, name, "s.bin"))
    print(f"{name:<26} {statistics.median(wall):>16.2f} {statistics.median(rss):>22.1f} {size:>17} {len(wall):>5}")
PY
