#!/usr/bin/env bash
# Proving in the browser against native `zkmeter prove`, on one machine in one session.
#
#   bash scripts/browser-bench.sh [RUNS]      (default 3 runs per size and setting)
#
# Browser: headless Chromium drives the page (tests/browser, `browser_bench`), one fresh page
# load per run; the page times loading and checking the parameters, building the proving key
# and proving (WebAssembly, one thread). Native: `zkmeter prove` with RAYON_NUM_THREADS=1 and
# 2 on the same kind of files (meter record --synthetic 7, tariff demo --seed 3, 2026-01-01,
# 15-minute slots); its own step timings. Prints medians and the bundle's size (raw, gzip).
# Needs what tests/browser needs (scripts/web.sh build, chromium, chromedriver).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
sizes=(day-15min month-15min)
target_dir=${CARGO_TARGET_DIR:-target}
zk=$target_dir/release/zkmeter

bash scripts/web.sh build >/dev/null
cargo build --release --locked --bin zkmeter >/dev/null 2>&1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core)' | sed 's/  */ /g'
echo "nproc: $(nproc)"
chromium --version 2>/dev/null
rustc --version

echo "== bundle"
wasm=web/dist/pkg/zkmeter_web_bg.wasm
echo "wasm raw $(stat -c %s "$wasm") bytes, gzip -9 $(gzip -9c "$wasm" | wc -c) bytes"
echo "whole bundle raw $(cat web/dist/*.* web/dist/pkg/* | wc -c) bytes, gzip -9 (per file) $(for f in web/dist/*.* web/dist/pkg/*; do gzip -9c "$f"; done | wc -c) bytes"

echo "== native: zkmeter prove"
for size in "${sizes[@]}"; do
    d=$work/$size
    "$zk" meter keygen --out "$d/keys" >/dev/null
    "$zk" meter record --key "$d/keys/meter.key" --meter-id bench-1 --start 2026-01-01T00:00:00Z \
        --slot-minutes 15 --size "$size" --synthetic 7 --out "$d/period.bin" >/dev/null
    "$zk" tariff demo --start 2026-01-01T00:00:00Z --slot-minutes 15 --size "$size" --seed 3 \
        --out "$d/tariff.json" >/dev/null
    for threads in 1 2; do
        : >"$d/key-$threads" ; : >"$d/prove-$threads"
        for _ in $(seq "$runs"); do
            RAYON_NUM_THREADS=$threads "$zk" prove --period "$d/period.bin" --tariff "$d/tariff.json" \
                --out "$d/submission.bin" 2>"$d/log" >/dev/null
            grep '^Building the proving key.* done in' "$d/log" | sed 's/.* done in \([0-9.]*\) s/\1/' >>"$d/key-$threads"
            grep '^Proving the bill.* done in' "$d/log" | sed 's/.* done in \([0-9.]*\) s/\1/' >>"$d/prove-$threads"
        done
        echo "native size=$size threads=$threads keygen_s=$(median <"$d/key-$threads") prove_s=$(median <"$d/prove-$threads") (runs: $(tr '\n' ' ' <"$d/prove-$threads"))"
    done
done

echo "== browser: headless Chromium, WebAssembly, one thread"
ZKMETER_BENCH_RUNS=$runs ZKMETER_BENCH_SIZES=$(IFS=,; echo "${sizes[*]}") \
    cargo test --release --locked --test browser -- --ignored browser_bench --nocapture 2>/dev/null |
    grep '^browser-bench' | tee "$work/browser"
for size in "${sizes[@]}"; do
    field() { grep "size=$size " "$work/browser" | sed "s/.* $1=\([0-9]*\).*/\1/" | median; }
    echo "browser size=$size params_ms=$(field params_ms) keygen_ms=$(field keygen_ms) prove_ms=$(field prove_ms)"
done
