#!/usr/bin/env bash
# Benchmark report: runs `cargo bench --bench circuit` and `--bench compare`, measures peak RSS
# of `zkmeter prove` / `zkmeter verify` per size, and writes
#   target/bench-report.md   markdown tables ready to paste into BENCHMARKS.md
#   target/bench-report.svg  time and peak memory against slots
#   target/bench-report.json every figure, with the machine
#
#   scripts/bench-report.sh                              # everything, every size
#   scripts/bench-report.sh --sizes day-15min            # a quick run
#   scripts/bench-report.sh --skip-bench                 # report criterion results on disk
#   scripts/bench-report.sh --batch 16 --skip-rss        # see --help for all options
#
# Needs python3 (standard library only) and /usr/bin/time (Debian package `time`).
# Threads: RAYON_NUM_THREADS if set, else all cores (recorded in the report).
# Parameters: $ZKMETER_PARAMS_DIR if set, else params/ipa (generated on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench_report.py "$@"
