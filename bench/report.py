#!/usr/bin/env python3
"""report.py - turn Google Benchmark JSON into docs/BENCHMARKS.md.

usage: report.py --doc docs/BENCHMARKS.md [--img docs/img] build/release/bench/bench_*.json

Each JSON comes from one executable bench_<suite>[_<variant>] (see
bench/CMakeLists.txt); the suite is the word after "bench_". Every suite owns
one section of the document, between the lines

    <!-- BEGIN <suite> -->
    <!-- END <suite> -->

and only the sections of the suites given on the command line are rewritten,
so running one suite leaves the others' tables alone. A suite shapes its own
tables through a function registered in SUITES; a suite without one gets a
plain table of every benchmark. The machine block at the top is refreshed on
every run.

Standard library only; matplotlib, when importable, draws PNG charts into
--img.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADER = """# Benchmarks

Measured with [Google Benchmark](https://github.com/google/benchmark) suites
under `bench/`, against real baselines built into the same executables. To
reproduce:

```sh
make bench                # short run: --benchmark_min_time=0.1
BENCH_LONG=1 make bench   # full run: --benchmark_min_time=1
```

`make bench` builds the `release` preset, runs every `build/release/bench/bench_*`
through `scripts/bench.sh` (JSON next to each binary) and `bench/report.py`
rewrites the tables below; charts go to `docs/img/` when matplotlib is
installed. `VCOW_BENCH_THREADS=N` sets the multithreaded case (default: the
number of online CPUs). Numbers from a short run on a shared machine move by
10-20 %; compare ratios measured in the same run rather than absolute times
across runs.

"""

TIME_SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


# --- loading -----------------------------------------------------------------


class Run:
    """One executable's JSON: its context and its results by run name."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.path = path
        self.exe = os.path.basename(path)[: -len(".json")]
        m = re.match(r"bench_([A-Za-z0-9]+)", self.exe)
        self.suite = m.group(1) if m else self.exe
        self.context = doc.get("context", {})
        self.results = collapse(doc.get("benchmarks", []))


def collapse(benchmarks):
    """One result per run name: the median aggregate when the run was repeated,
    else its single iteration entry. Errored runs are dropped."""
    out = {}
    for b in benchmarks:
        if b.get("error_occurred"):
            continue
        key = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                out[key] = result(b)
        elif key not in out or not out[key]["aggregate"]:
            out[key] = result(b)
    return out


def result(b):
    scale = TIME_SCALE.get(b.get("time_unit", "ns"), 1.0)
    parts = b.get("run_name", b["name"]).split("/")
    return {
        "family": parts[0],
        "case": parts[1] if len(parts) > 1 else "",
        "threads": int(b.get("threads", 1)),
        "real_ns": b["real_time"] * scale,
        "cpu_ns": b["cpu_time"] * scale,
        "items_per_second": b.get("items_per_second"),
        "aggregate": b.get("run_type") == "aggregate",
    }


def find(run, family, case, threads):
    for r in run.results.values():
        if r["family"] == family and r["case"] == case and r["threads"] == threads:
            return r
    return None


# --- formatting --------------------------------------------------------------


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns < 10:
        return "%.2f" % ns
    if ns < 100:
        return "%.1f" % ns
    return "%.0f" % ns


def fmt_rate(per_second):
    if per_second is None:
        return "-"
    return "%.1f" % (per_second / 1e6)


def fmt_ratio(x):
    if x is None:
        return "-"
    return "%.1f×" % x if x >= 10 else "%.2f×" % x


def table(head, rows, align=None):
    align = align or ["l"] + ["r"] * (len(head) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401

        matplotlib.use("Agg")
        return True
    except ImportError:
        return False


# --- suite: gc ---------------------------------------------------------------

GC_BACKENDS = ["urcu-memb", "urcu-qsbr", "urcu-bp", "ck-epoch"]
GC_BASELINES = ["pthread_rwlock", "shared_mutex", "mutex", "none"]


def gc_section(runs, img_dir, img_rel):
    def order(run):
        b = run.context.get("vcow_gc_backend", run.exe)
        return (GC_BACKENDS.index(b) if b in GC_BACKENDS else len(GC_BACKENDS), b)

    runs = sorted(runs, key=order)
    threads = sorted({r["threads"] for run in runs for r in run.results.values()})

    # One row per vcow read-section flavour and thread count; the baselines
    # come from the same executable, i.e. the same run.
    rows, base_rows, chart = [], [], {}
    for t in threads:
        for run in runs:
            backend = run.context.get("vcow_gc_backend", "?")
            rw = find(run, "read_section", "pthread_rwlock", t)
            mx = find(run, "read_section", "mutex", t)
            cases = [backend] + (["urcu-qsbr-manual"] if backend == "urcu-qsbr" else [])
            for case in cases:
                v = find(run, "read_section", "vcow:" + case, t)
                if v is None:
                    continue
                ns = v["real_ns"] * t  # per thread: see the note below the table
                label = case.replace("urcu-qsbr-manual", "urcu-qsbr, manual QS")
                rows.append([
                    "`%s`" % label, t, fmt_ns(ns), fmt_rate(v["items_per_second"]),
                    fmt_ratio(rw["real_ns"] / v["real_ns"] if rw else None),
                    fmt_ratio(mx["real_ns"] / v["real_ns"] if mx else None),
                ])
                chart.setdefault(t, {})["vcow " + label] = ns
            base = [find(run, "read_section", b, t) for b in GC_BASELINES]
            base_rows.append(["`%s`" % run.exe, t] + [fmt_ns(b["real_ns"] * t) if b else "-"
                                                      for b in base])
            for name, b in zip(GC_BASELINES, base):
                if b:
                    chart.setdefault(t, {}).setdefault(name, []).append(b["real_ns"] * t)

    out = [
        "Cost of one read section (`vcow_read_lock(); read; vcow_read_unlock();`) per",
        "reclamation backend, against the same read under a shared `pthread_rwlock_t`",
        "(read lock), a `std::shared_mutex` (shared lock) and a `pthread_mutex_t`. The",
        "read is an acquire load of a published pointer and a load through it, the",
        "same in every case; all threads share one lock and one pointer. Source:",
        "`bench/gc/bench_gc.cc`, one executable per backend, each timing the",
        "baselines in the same run.",
        "",
        table(["read section", "threads", "ns / section", "M sections/s (all threads)",
               "vs pthread_rwlock", "vs mutex"], rows),
        "",
        "- *ns / section*: wall time one thread spends per section, i.e. threads ÷",
        "  total throughput (Google Benchmark's per-iteration time × threads).",
        "- *vs pthread_rwlock*, *vs mutex*: the lock's time ÷ vcow's time in the",
        "  same run; above 1× vcow is faster.",
        "- `urcu-qsbr` by default brings the thread online and offline around",
        "  every section (see `include/vcow/gc.h`): liburcu's online/offline cost",
        "  three `mfence`s per section, dearer on some CPUs than a mutex's one",
        "  locked instruction. *manual QS* is after",
        "  `vcow_thread_manual_quiescence()`, announcing a quiescent state every",
        "  1024 sections.",
        "",
        "Baselines as measured by each executable (ns / section, per thread;",
        "*none* is the read with no protection at all):",
        "",
        table(["run", "threads"] + ["`%s`" % b for b in GC_BASELINES], base_rows),
    ]
    png = gc_chart(chart, img_dir)
    if png:
        out += ["", "![read-section cost](%s/%s)" % (img_rel, png)]
    return "\n".join(out)


def gc_chart(chart, img_dir):
    if not chart or not img_dir or not have_matplotlib():
        return None
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(chart), figsize=(5.5 * len(chart), 4.2), squeeze=False)
    for ax, t in zip(axes[0], sorted(chart)):
        items = []
        for name, v in chart[t].items():
            # A baseline was timed by every executable: plot their median.
            if isinstance(v, list):
                v = sorted(v)[len(v) // 2]
            items.append((name, v))
        items.sort(key=lambda kv: kv[1])
        names = [k for k, _ in items]
        values = [v for _, v in items]
        colors = ["tab:blue" if n.startswith("vcow") else "tab:gray" for n in names]
        ax.barh(names, values, color=colors)
        ax.set_xscale("log")
        ax.set_xlabel("ns per read section, per thread (log scale)")
        ax.set_title("%d thread%s" % (t, "" if t == 1 else "s"))
        ax.invert_yaxis()
        for y, v in enumerate(values):
            ax.text(v, y, " " + fmt_ns(v), va="center", fontsize=8)
        ax.margins(x=0.25)
    fig.suptitle("vcow read section vs locks (lower is better)")
    fig.tight_layout()
    os.makedirs(img_dir, exist_ok=True)
    name = "bench_gc.png"
    fig.savefig(os.path.join(img_dir, name), dpi=110)
    plt.close(fig)
    return name


# --- the generic fallback and the registry -----------------------------------


def generic_section(runs, img_dir, img_rel):
    del img_dir, img_rel
    rows = []
    for run in sorted(runs, key=lambda r: r.exe):
        for name, r in run.results.items():
            rows.append(["`%s`" % run.exe, "`%s`" % name, r["threads"], fmt_ns(r["real_ns"]),
                         fmt_ns(r["cpu_ns"]), fmt_rate(r["items_per_second"])])
    return table(["executable", "benchmark", "threads", "real ns", "cpu ns", "M items/s"], rows,
                 align=["l", "l", "r", "r", "r", "r"])


# suite name -> (section title, function(runs, img_dir, img_rel) -> markdown).
# A new suite adds its entry here; without one it gets generic_section.
SUITES = {
    "gc": ("Read sections (gc)", gc_section),
}


# --- the document ------------------------------------------------------------


def machine_block(runs):
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    try:
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    ctx = runs[0].context if runs else {}
    lines = [
        "- machine: %s, %s CPUs (nproc), %s MHz" % (model, ncpu, ctx.get("mhz_per_cpu", "?")),
        "- system: %s %s" % (platform.system(), platform.release()),
        "- date: %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "- vcow: %s" % commit,
    ]
    if ctx.get("library_build_type") == "debug":
        # Debian's libbenchmark reports itself as a debug build (and prints a
        # warning); the timed loop is inlined from the header into our -O3
        # code, so only the harness around it is affected.
        lines.append("- Google Benchmark: Debian's libbenchmark, which reports a debug build;"
                     " the timed loop is inlined into the -O3 benchmark code")
    if ctx.get("vcow_bench_threads"):
        lines.append("- multithreaded case: %s threads" % ctx["vcow_bench_threads"])
    return "\n".join(lines)


def replace_block(text, name, body, title=None):
    begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
    block = "%s\n%s\n%s" % (begin, body.rstrip("\n"), end)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    heading = "## %s\n\n" % title if title else ""
    return text.rstrip("\n") + "\n\n" + heading + block + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc", required=True, help="the markdown file to update")
    ap.add_argument("--img", help="folder for PNG charts (needs matplotlib)")
    ap.add_argument("json", nargs="+", help="Google Benchmark JSON files")
    args = ap.parse_args()

    runs = []
    for path in args.json:
        try:
            runs.append(Run(path))
        except (OSError, ValueError, KeyError) as e:
            print("report.py: skipping %s: %s" % (path, e), file=sys.stderr)
    if not runs:
        print("report.py: no benchmark results", file=sys.stderr)
        return 1

    if os.path.exists(args.doc):
        with open(args.doc, encoding="utf-8") as f:
            text = f.read()
    else:
        text = HEADER
    text = replace_block(text, "machine", machine_block(runs),
                         title="Machine and date of the last run")

    img_rel = os.path.relpath(args.img, os.path.dirname(os.path.abspath(args.doc))) \
        if args.img else None
    by_suite = {}
    for run in runs:
        by_suite.setdefault(run.suite, []).append(run)
    for suite in sorted(by_suite, key=lambda s: (s not in SUITES, s)):
        title, fn = SUITES.get(suite, (suite, generic_section))
        text = replace_block(text, suite, fn(by_suite[suite], args.img, img_rel), title=title)
        print("report.py: %s: %d executable(s) -> %s" % (suite, len(by_suite[suite]), args.doc))

    os.makedirs(os.path.dirname(os.path.abspath(args.doc)), exist_ok=True)
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
