#!/usr/bin/env bash
# Peak memory and wall time of the CLI's prove and verify per circuit size, one run each.
# Medians of keygen / prove / verify come from `cargo bench --bench circuit`; this script adds
# what criterion cannot see: the whole process's peak RSS (GNU time's "Maximum resident set").
#
#   scripts/measure-sizes.sh [SIZE...]        (default: day-15min month-30min month-15min)
#
# Needs /usr/bin/time (Debian package `time`). Parameters are loaded from params/ipa (generated
# on first use). Threads: RAYON_NUM_THREADS if set, else all cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
zk=target/release/zkmeter
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(day-15min month-30min month-15min)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$zk meter keygen --out "$work/keys" >/dev/null
echo "| size | slots | prove wall (incl. keygen) | prove peak RSS | verify wall (incl. vk) | verify peak RSS | proof bytes | submission bytes |"
echo "|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  case $size in
    day-15min) minutes=15 ;;
    month-30min) minutes=30 ;;
    *) minutes=15 ;;
  esac
  start=2026-01-01T00:00:00Z
  $zk meter record --key "$work/keys/meter.key" --meter-id bench --start $start \
      --slot-minutes $minutes --size "$size" --synthetic 1 --out "$work/$size.period" >/dev/null
  $zk tariff demo --start $start --slot-minutes $minutes --size "$size" --seed 1 \
      --out "$work/$size.json" >/dev/null
  # Warm the parameter cache so generation is not measured.
  $zk circuit-info --size "$size" >/dev/null 2>&1
  /usr/bin/time -v $zk prove --period "$work/$size.period" --tariff "$work/$size.json" \
      --out "$work/$size.sub" >/dev/null 2>"$work/prove.time"
  /usr/bin/time -v $zk verify --submission "$work/$size.sub" --meter-pub "$work/keys/meter.pub" \
      --tariff "$work/$size.json" >/dev/null 2>"$work/verify.time"
  field() { grep "$1" "$2" | awk -F': ' '{print $2}'; }
  slots=$($zk inspect "$work/$size.sub" | grep -m1 '"slots"' | tr -dc 0-9)
  proof=$(( $(stat -c %s "$work/$size.sub") ))
  prooflen=$($zk inspect "$work/$size.sub" | grep '"proof"' | awk -F'"' '{print length($4)/2}')
  echo "| $size | $slots | $(field 'Elapsed' "$work/prove.time") | $(( $(field 'Maximum resident' "$work/prove.time") / 1024 )) MiB | $(field 'Elapsed' "$work/verify.time") | $(( $(field 'Maximum resident' "$work/verify.time") / 1024 )) MiB | $prooflen | $proof |"
done
