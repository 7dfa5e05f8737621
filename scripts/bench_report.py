#!/usr/bin/env python3
"""Benchmark report for zkmeter: runs the benches, measures peak memory, writes markdown + SVG.

Python 3 standard library only. Usually run through scripts/bench-report.sh; see BENCHMARKS.md,
"How to reproduce". Steps (each can be skipped):

1. machine facts: lscpu model, CPUs, memory, rustc, thread count (RAYON_NUM_THREADS or nproc);
2. `zkmeter circuit-info --json --no-keygen`: k, rows, columns, degree, proof bytes per size;
3. `cargo bench --bench circuit` and `cargo bench --bench compare` (ZKMETER_BENCH_SIZES set to
   the chosen sizes), then the medians from target/criterion/**/new/estimates.json and the
   bytes per bill from target/compare/<size>.json;
4. peak RSS and wall time of whole `zkmeter prove` / `zkmeter verify` processes per size under
   /usr/bin/time -v (parameters warmed first, so their generation is not measured);
5. target/bench-report.md (tables ready for BENCHMARKS.md), target/bench-report.json (every
   figure) and target/bench-report.svg (time and memory against slots).
"""

import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CRITERION = TARGET / "criterion"
START = "2026-01-01T00:00:00Z"


def log(msg):
    print(f"[bench-report] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, capture=True):
    log("$ " + " ".join(str(c) for c in cmd))
    full_env = dict(os.environ, **(env or {}))
    res = subprocess.run(
        [str(c) for c in cmd],
        cwd=ROOT,
        env=full_env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return res.stdout


def machine():
    facts = {}
    try:
        lscpu = run(["lscpu"])
        for key in ("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket"):
            m = re.search(rf"^{re.escape(key)}:\s*(.+)$", lscpu, re.M)
            if m:
                facts[key] = m.group(1).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    facts["nproc"] = os.cpu_count()
    facts["threads"] = os.environ.get("RAYON_NUM_THREADS") or str(os.cpu_count())
    facts["threads_source"] = (
        "RAYON_NUM_THREADS" if os.environ.get("RAYON_NUM_THREADS") else "nproc (rayon default)"
    )
    try:
        mem = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s*(\d+)", mem).group(1))
        facts["memory"] = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    try:
        facts["rustc"] = run(["rustc", "--version"]).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    facts["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return facts


RESULT_TIMES = []  # modification times of the bench results used, to date the report


def criterion_median(group, function, param):
    """Median in nanoseconds, or None when criterion has no result for it."""
    path = CRITERION / group / function / str(param) / "new" / "estimates.json"
    try:
        median = json.loads(path.read_text())["median"]["point_estimate"]
        RESULT_TIMES.append(path.stat().st_mtime)
        return median
    except (OSError, KeyError, ValueError):
        return None


def results_dated():
    if not RESULT_TIMES:
        return "no criterion results found"
    day = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(  # noqa
        "%Y-%m-%d %H:%M UTC")
    return f"bench results written {day(min(RESULT_TIMES))} to {day(max(RESULT_TIMES))}"


def slot_minutes(size):
    m = re.search(r"-(\d+)min$", size)
    if not m:
        raise SystemExit(f"size {size}: name does not end in -<minutes>min")
    return m.group(1)


def time_v(cmd, out_path):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS KiB)."""
    log("$ /usr/bin/time -v " + " ".join(str(c) for c in cmd))
    with open(out_path, "w") as err:
        subprocess.run(
            ["/usr/bin/time", "-v", *map(str, cmd)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    text = Path(out_path).read_text()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return secs, rss


def measure_processes(zk, sizes):
    """Whole-process wall time and peak RSS of `zkmeter prove` and `zkmeter verify`."""
    results = {}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        run([zk, "meter", "keygen", "--out", work / "keys"])
        for size in sizes:
            minutes = slot_minutes(size)
            period, tariff, sub = work / f"{size}.period", work / f"{size}.json", work / f"{size}.sub"
            frame = ["--start", START, "--slot-minutes", minutes, "--size", size]
            run([zk, "meter", "record", "--key", work / "keys/meter.key", "--meter-id", "bench",
                 *frame, "--synthetic", "1", "--out", period])
            run([zk, "tariff", "demo", *frame, "--seed", "1", "--out", tariff])
            # Warm the parameter cache (generation, if needed, is not measured).
            run([zk, "circuit-info", "--size", size])
            prove_s, prove_kib = time_v(
                [zk, "prove", "--period", period, "--tariff", tariff, "--out", sub],
                work / "prove.time")
            verify_s, verify_kib = time_v(
                [zk, "verify", "--submission", sub, "--meter-pub", work / "keys/meter.pub",
                 "--tariff", tariff], work / "verify.time")
            results[size] = {
                "prove_wall_s": prove_s,
                "prove_peak_rss_kib": prove_kib,
                "verify_wall_s": verify_s,
                "verify_peak_rss_kib": verify_kib,
                "submission_bytes": sub.stat().st_size,
            }
    return results


# ---------- formatting ----------

def fmt_time(ns):
    if ns is None:
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.3g} ms"
    return f"{ns / 1e9:.3g} s"


def fmt_int(n):
    return "–" if n is None else f"{n:,}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:,.0f}x" if a / b >= 10 else f"{a / b:.1f}x"


def mib(kib):
    return "–" if kib is None else f"{kib / 1024:,.0f} MiB"


def markdown(facts, info, circuit, procs, compare, args):
    threads = f"{facts['threads']} ({facts['threads_source']})"
    lines = [
        "<!-- generated by scripts/bench-report.sh; paste into BENCHMARKS.md -->",
        "",
        f"Machine: {facts.get('Model name', '?')}, {facts.get('CPU(s)', facts['nproc'])} CPUs, "
        f"{facts.get('memory', '?')} RAM; {facts.get('rustc', '?')}, release profile; "
        f"threads: {threads}. Date: {facts['date']}.",
        "",
        f"Command: `scripts/bench-report.sh {' '.join(args)}`".rstrip() + " "
        "(criterion 0.8, `sample_size(10)`, medians from "
        "`target/criterion/<group>/<function>/<slots>/new/estimates.json`; "
        f"{results_dated()}).",
        "",
        "### Circuit per size (`cargo bench --bench circuit`, shape from `zkmeter circuit-info --json`)",
        "",
        "| size | slots | k | rows used | advice / fixed / instance cols | degree | keygen median "
        "| prove median | verify median | proof bytes |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in info:
        s, c = row["size"], circuit.get(row["size"], {})
        lines.append(
            f"| {s} | {fmt_int(row['slots'])} | {row['k']} | {fmt_int(row['rows'])} | "
            f"{row['advice_columns']} / {row['fixed_columns']} / {row['instance_columns']} | "
            f"{row['degree']} | {fmt_time(c.get('keygen'))} | {fmt_time(c.get('prove'))} | "
            f"{fmt_time(c.get('verify'))} | {fmt_int(row['proof_bytes'])} |")
    if procs:
        lines += [
            "",
            "### Whole CLI processes (`/usr/bin/time -v`, one run each, parameters on disk)",
            "",
            "| size | slots | `zkmeter prove` wall | prove peak RSS | `zkmeter verify` wall "
            "| verify peak RSS | submission bytes |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in info:
            p = procs.get(row["size"])
            if p:
                lines.append(
                    f"| {row['size']} | {fmt_int(row['slots'])} | {p['prove_wall_s']:.2f} s | "
                    f"{mib(p['prove_peak_rss_kib'])} | {p['verify_wall_s']:.2f} s | "
                    f"{mib(p['verify_peak_rss_kib'])} | {fmt_int(p['submission_bytes'])} |")
    if compare:
        lines += [
            "",
            "### Against the per-reading design (`cargo bench --bench compare`, one run)",
            "",
            "Baseline: `zkmeter-baseline` (Pedersen commitment on Pallas + ECDSA P-256 per reading;"
            " utility checks every signature and one MSM). zkmeter: one submission per bill. "
            "Batched: the batch's time divided by its size (N distinct proofs of the same "
            "size in one `BatchVerifier`, N in brackets).",
            "",
            "| readings | size | bytes/bill baseline | bytes/bill zkmeter | bytes ratio "
            "| utility/bill baseline | utility/bill zkmeter single | zkmeter batched "
            "| verify ratio (batched) | plugin/bill baseline | plugin/bill zkmeter "
            "| meter/period baseline | meter/period zkmeter |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in info:
            c = compare.get(row["size"])
            if not c:
                continue
            t = c["times"]
            lines.append(
                f"| {fmt_int(c['readings'])} | {row['size']} | {fmt_int(c['baseline_bytes'])} | "
                f"{fmt_int(c['zkmeter_submission_bytes'])} | "
                f"{fmt_ratio(c['baseline_bytes'], c['zkmeter_submission_bytes'])} | "
                f"{fmt_time(t.get('baseline-verify'))} | {fmt_time(t.get('zkmeter-verify'))} | "
                f"{fmt_time(t.get('zkmeter-verify-batched'))} ({c['batch']}) | "
                f"{fmt_ratio(t.get('baseline-verify'), t.get('zkmeter-verify-batched'))} | "
                f"{fmt_time(t.get('baseline-plugin'))} | {fmt_time(t.get('zkmeter-plugin'))} | "
                f"{fmt_time(t.get('baseline-meter'))} | {fmt_time(t.get('zkmeter-meter'))} |")
    return "\n".join(lines) + "\n"


# ---------- SVG ----------

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]


def svg_panel(x0, y0, w, h, title, ylabel, series, log_y):
    """One line chart; series = [(label, [(x, y), ...])]. Returns SVG elements."""
    points = [(x, y) for _, pts in series for x, y in pts if y is not None and y > 0]
    out = [f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-weight="bold">'
           f'{title}</text>']
    if not points:
        out.append(f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" text-anchor="middle">no data</text>')
        return out
    xmax = max(x for x, _ in points) * 1.05
    ys = [y for _, y in points]
    if log_y:
        lo, hi = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
        hi = max(hi, lo + 1)
        ticks = [10.0 ** e for e in range(lo, hi + 1)]
        ymap = lambda y: y0 + h - (math.log10(y) - lo) / (hi - lo) * h  # noqa: E731
    else:
        top = max(ys) * 1.1
        step = 10 ** math.floor(math.log10(top))
        step = step / 2 if top / step < 4 else step
        ticks = [i * step for i in range(int(top / step) + 1)]
        ymap = lambda y: y0 + h - y / top * h  # noqa: E731
    xmap = lambda x: x0 + x / xmax * w  # noqa: E731
    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
    for t in ticks:
        y = ymap(t)
        label = f"{t:g}"
        out.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    xs = sorted({x for x, _ in points})
    for x in xs:
        out.append(f'<text x="{xmap(x):.1f}" y="{y0 + h + 16}" text-anchor="middle">{x}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle">slots '
               '(readings per bill)</text>')
    out.append(f'<text transform="translate({x0 - 48},{y0 + h / 2}) rotate(-90)" '
               f'text-anchor="middle">{ylabel}</text>')
    for i, (label, pts) in enumerate(series):
        pts = [(x, y) for x, y in pts if y is not None and y > 0]
        if not pts:
            continue
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{xmap(x):.1f},{ymap(y):.1f}" for x, y in sorted(pts))
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{xmap(x):.1f}" cy="{ymap(y):.1f}" r="3" fill="{colour}"/>')
        # Legend below the axis label, outside the plot: it never hides a line.
        ly = y0 + h + 56 + 16 * i
        out.append(f'<line x1="{x0 + 10}" x2="{x0 + 28}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                   'stroke-width="2"/>')
        out.append(f'<text x="{x0 + 32}" y="{ly + 4}">{label}</text>')
    return out


def svg(info, circuit, procs, compare):
    secs = lambda ns: None if ns is None else ns / 1e9  # noqa: E731
    slots = {row["size"]: row["slots"] for row in info}
    # Compare rows are plotted at their real reading counts; the rest at the capacity.
    readings = {s: compare[s]["readings"] for s in compare}
    time_series = [
        ("zkmeter prove (circuit bench)",
         [(slots[s], secs(circuit.get(s, {}).get("prove"))) for s in slots]),
        ("zkmeter verify, single",
         [(slots[s], secs(circuit.get(s, {}).get("verify"))) for s in slots]),
        ("zkmeter verify per bill, batched",
         [(readings[s], secs(compare[s]["times"].get("zkmeter-verify-batched")))
          for s in compare]),
        ("baseline verify per bill",
         [(readings[s], secs(compare[s]["times"].get("baseline-verify"))) for s in compare]),
    ]
    mem_series = [
        ("zkmeter prove peak RSS",
         [(slots[s], procs[s]["prove_peak_rss_kib"] / 1024) for s in procs]),
        ("zkmeter verify peak RSS",
         [(slots[s], procs[s]["verify_peak_rss_kib"] / 1024) for s in procs]),
    ]
    width, height = 1000, 500
    body = svg_panel(80, 50, 380, 300, "Time against slots", "seconds (log scale)",
                     time_series, log_y=True)
    body += svg_panel(590, 50, 380, 300, "Peak memory against slots", "MiB", mem_series,
                      log_y=False)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="12">\n'
            f'<rect width="{width}" height="{height}" fill="white"/>\n'
            + "\n".join(body) + "\n</svg>\n")


# ---------- main ----------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="comma-separated size names (default: every size)")
    ap.add_argument("--skip-bench", action="store_true",
                    help="do not run cargo bench; report the criterion results already on disk")
    ap.add_argument("--skip-circuit", action="store_true", help="do not run the circuit bench")
    ap.add_argument("--skip-compare", action="store_true", help="do not run the compare bench")
    ap.add_argument("--skip-rss", action="store_true", help="do not measure CLI processes")
    ap.add_argument("--batch", type=int, help="proofs per batch in the compare bench (ZKMETER_BATCH)")
    ap.add_argument("--out", default=str(TARGET / "bench-report.md"), help="markdown output")
    args = ap.parse_args()

    facts = machine()
    log(f"machine: {facts}")
    run(["cargo", "build", "--release", "--quiet", "-p", "zkmeter", "--bin", "zkmeter"],
        capture=False)
    zk = TARGET / "release" / "zkmeter"
    info = json.loads(run([zk, "circuit-info", "--json", "--no-keygen"]))
    if args.sizes:
        wanted = [s.strip() for s in args.sizes.split(",")]
        unknown = set(wanted) - {row["size"] for row in info}
        if unknown:
            raise SystemExit(f"unknown sizes: {', '.join(sorted(unknown))}")
        info = [row for row in info if row["size"] in wanted]
    sizes = [row["size"] for row in info]
    bench_env = {"ZKMETER_BENCH_SIZES": ",".join(sizes)}
    if args.batch:
        bench_env["ZKMETER_BATCH"] = str(args.batch)

    if not args.skip_bench and not args.skip_circuit:
        run(["cargo", "bench", "--bench", "circuit"], env=bench_env, capture=False)
    if not args.skip_bench and not args.skip_compare:
        run(["cargo", "bench", "--bench", "compare"], env=bench_env, capture=False)

    circuit = {}
    for row in info:
        circuit[row["size"]] = {step: criterion_median(row["size"], step, row["slots"])
                                for step in ("keygen", "prove", "verify")}
    compare = {}
    for size in sizes:
        path = TARGET / "compare" / f"{size}.json"
        if not path.exists():
            continue
        c = json.loads(path.read_text())
        RESULT_TIMES.append(path.stat().st_mtime)
        c["times"] = {
            f: criterion_median(f"compare-{size}", f, c["readings"])
            for f in ("baseline-meter", "baseline-plugin", "baseline-verify", "zkmeter-meter",
                      "zkmeter-plugin", "zkmeter-verify", "zkmeter-verify-batched")}
        compare[size] = c
    procs = {} if args.skip_rss else measure_processes(zk, sizes)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    md = markdown(facts, info, circuit, procs, compare, sys.argv[1:])
    out.write_text(md)
    out.with_suffix(".svg").write_text(svg(info, circuit, procs, compare))
    out.with_suffix(".json").write_text(json.dumps(
        {"machine": facts, "circuit_info": info, "circuit_ns": circuit, "processes": procs,
         "compare": compare}, indent=2) + "\n")
    print(md)
    log(f"wrote {out}, {out.with_suffix('.svg')} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
