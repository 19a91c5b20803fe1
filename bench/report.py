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
    m = per_second / 1e6
    return "%.2f" % m if m < 1 else "%.1f" % m


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


# --- suite: rope -------------------------------------------------------------


def rope_section(runs, img_dir, img_rel):
    del img_dir, img_rel
    rows, by_name = [], {}
    for run in runs:
        # Counters (MB held by all versions) are not in run.results: re-read.
        with open(run.path, encoding="utf-8") as f:
            raw = {b.get("run_name", b["name"]): b for b in json.load(f).get("benchmarks", [])}
        for name, r in sorted(run.results.items()):
            mb = raw.get(name, {}).get("MB_all_versions")
            by_name[name] = (r, mb)
            rows.append(["`%s`" % name, fmt_ns(r["real_ns"]), fmt_ns(r["cpu_ns"]),
                         fmt_rate(r["items_per_second"]), "%.1f" % mb if mb else "-"])

    def ms(name):
        r = by_name.get(name)
        return r[0]["real_ns"] / 1e6 if r else None

    one = ms("trace_onetxn/automerge-paper/vcow/real_time")
    hist = ms("trace_history/automerge-paper/vcow/real_time")
    hist_mb = by_name.get("trace_history/automerge-paper/vcow/real_time", (None, None))[1]
    goals = []
    if one is not None:
        goals.append("- automerge-paper, one txn: %.1f ms, goal <= 15 ms: %s" %
                     (one, "met" if one <= 15 else "NOT met"))
    if one is not None and hist is not None:
        goals.append("- automerge-paper, one commit per txn, all versions kept: %.1f ms "
                     "(%.1fx the one-txn replay), goal <= 3x: %s" %
                     (hist, hist / one, "met" if hist <= 3 * one else "NOT met"))
    if hist_mb is not None:
        goals.append("- memory of all those versions: %.1f MB, goal <= 64 MB: %s" %
                     (hist_mb, "met" if hist_mb <= 64 else "NOT met"))
    nod = ms("trace_history/automerge-paper/vcow_nodelta/real_time")
    nod_mb = by_name.get("trace_history/automerge-paper/vcow_nodelta/real_time", (None, None))[1]
    floor = ms("trace_history/automerge-paper/commits_only/real_time")
    floor_mb = by_name.get("trace_history/automerge-paper/commits_only/real_time", (None, None))[1]
    if nod is not None and nod_mb is not None and hist is not None and hist_mb is not None:
        goals.append("- effect of delta nodes: %.1f ms and %.1f MB without them, %.1f ms and "
                     "%.1f MB with them" % (nod, nod_mb, hist, hist_mb))
    if floor is not None and floor_mb is not None and one is not None:
        goals.append("- the runtime's floor: the same commits with no edit take %.1f ms (%.1fx "
                     "the one-txn replay) and %.1f MB of version objects, so neither goal can "
                     "be met by the rope alone" % (floor, floor / one, floor_mb))
    out = [
        "The rope (`bench/rope/bench_rope.cc`): real editing traces replayed with",
        "code point positions, and 10-byte inserts into the middle of a large text,",
        "against a flat `std::string`. The history replay (one commit per trace",
        "transaction, every version kept) runs with delta nodes (`vcow`), without",
        "them (`vcow_nodelta`, the cell option `rope_no_deltas`) and with no edit at",
        "all (`commits_only`: what the versions alone cost). `read_head/*/k` reads",
        "a head whose rope is k delta nodes deep.",
        "",
        table(["benchmark", "real ns", "cpu ns", "M edits/s", "MB (all versions)"], rows,
              align=["l", "r", "r", "r", "r"]),
        "",
    ] + goals
    return "\n".join(out)


def hamt_section(runs, img_dir, img_rel):
    raw = {}
    ctx = runs[0].context if runs else {}
    for run in runs:
        # Counters (ns_per_key, bytes_per_entry, rss_MB) are not in run.results.
        with open(run.path, encoding="utf-8") as f:
            for b in json.load(f).get("benchmarks", []):
                if not b.get("error_occurred") and b.get("run_type") != "aggregate":
                    raw[b.get("run_name", b["name"]).split("/iterations:")[0]] = b

    def cpu_ns(name):
        b = raw.get(name)
        return b["cpu_time"] * TIME_SCALE.get(b.get("time_unit", "ns"), 1.0) if b else None

    def counter(name, c):
        v = raw.get(name, {}).get(c)
        # ns_per_* are inverted rates: the JSON holds seconds per item.
        return v * 1e9 if v is not None and c.startswith("ns_per") else v

    def alloc(name):
        label = raw.get(name, {}).get("label", "")
        return label[len("alloc:"):] if label.startswith("alloc:") else "?"

    rows = []
    for name in sorted(raw):
        b = raw[name]
        extra = ", ".join("%s=%.4g" % (k, counter(name, k)) for k in
                          ("ns_per_key", "ns_per_entry", "bytes_per_entry", "MB", "rss_MB")
                          if k in b)
        rows.append(["`%s`" % name, alloc(name), fmt_ns(cpu_ns(name)), extra or "-"])

    def ratio(a, b):
        return a / b if a is not None and b else None

    def goal(text, value, limit, unit=""):
        if value is None:
            return "- %s: not measured" % text
        return "- %s: %.3g%s, goal <= %g%s: %s" % (text, value, unit, limit, unit,
                                                  "met" if value <= limit else "NOT met")

    # Contenders side by side: vcow's time over each peer's, same run.
    def versus(vname, peers):
        v = cpu_ns(vname)
        out = [["vcow (`%s`)" % vname, alloc(vname), fmt_ns(v), "-"]]
        for label, name in peers:
            p = cpu_ns(name)
            out.append(["%s (`%s`)" % (label, name), alloc(name), fmt_ns(p),
                        fmt_ratio(ratio(v, p))])
        return out

    lookup = versus("lookup_hit/vcow", [("unordered_map", "lookup_hit/unordered_map"),
                                        ("cds_lfht", "lookup_hit/cds_lfht")])
    update = versus("update_commit/vcow",
                    [("unordered_map insert_or_assign",
                      "update/unordered_map_insert_or_assign"),
                     ("cds_lfht replace + call_rcu", "update/cds_lfht_replace_call_rcu")])
    goals = [
        goal("lookup hit, vcow / unordered_map",
             ratio(cpu_ns("lookup_hit/vcow"), cpu_ns("lookup_hit/unordered_map")), 1.0, "x"),
        goal("lookup hit, vcow / cds_lfht",
             ratio(cpu_ns("lookup_hit/vcow"), cpu_ns("lookup_hit/cds_lfht")), 1.5, "x"),
        goal("single-key update committed to a cell, vcow / unordered_map insert_or_assign",
             ratio(cpu_ns("update_commit/vcow"),
                   cpu_ns("update/unordered_map_insert_or_assign")), 0.6, "x"),
        goal("single-key update committed to a cell, vcow / cds_lfht replace + call_rcu",
             ratio(cpu_ns("update_commit/vcow"),
                   cpu_ns("update/cds_lfht_replace_call_rcu")), 1.0, "x"),
        goal("bulk load in one txn, vcow / unordered_map insert loop with reserve",
             ratio(counter("insert_loop/vcow_one_txn", "ns_per_key"),
                   counter("insert_loop/unordered_map_reserve", "ns_per_key")), 0.5, "x"),
        goal("iteration", counter("iterate/vcow", "ns_per_entry"), 15, " ns/entry"),
        goal("memory per 1M entries (vcow counters: bytes/entry x 1M)",
             counter("memory/vcow", "bytes_per_entry"), 48, " MB"),
        goal("diff of two 1M-key versions differing in 100 keys",
             ratio(cpu_ns("diff_100/vcow"), 1e3), 100, " us"),
    ]
    rss = counter("memory/vcow", "rss_MB")
    if rss is not None:
        goals.append("- RSS growth while loading the 1M entries: %.1f MB" % rss)
    head = ["contender", "allocator", "cpu ns / op", "vcow ÷ this"]
    out = [
        "The CHAMP map (`bench/hamt/bench_hamt.cc`): 1M keys `key:%08d` (12 B) -> 16 B",
        "values, built in one random order and looked up and updated in a second,",
        "unrelated one (one pass, every key once), against `std::unordered_map<std::string,",
        "std::string>` and liburcu's `cds_lfht` (urcu-memb, pre-sized). The executable",
        "links libvcow.so: vcow's nodes come from %s, the contenders' from the" %
        ctx.get("vcow_allocator", "its allocator"),
        "process's malloc (%s). Times are CPU ns per operation. Run: %s." %
        (ctx.get("process_malloc", "?"), ctx.get("date", "?")),
        "",
        "Lookup hit:",
        "",
        table(head, lookup, align=["l", "l", "r", "r"]),
        "",
        "Single-key update (vcow: a one-key txn committed to the cell, history off):",
        "",
        table(head, update, align=["l", "l", "r", "r"]),
        "",
    ] + goals + [
        "",
        "Every benchmark:",
        "",
        table(["benchmark", "allocator", "cpu ns", "counters"], rows, align=["l", "l", "r", "l"]),
    ]
    def named(n):  # the bar's label: the contender and its allocator
        return "%s (%s)" % (n.split("/", 1)[-1], alloc(n))

    charts = [
        ("lookup hit, 1M keys", "ns per lookup (CPU; lower is better)",
         [(named(n), cpu_ns(n)) for n in ("lookup_hit/vcow", "lookup_hit/unordered_map",
                                          "lookup_hit/cds_lfht")]),
        ("single-key update, 1M keys", "ns per update (CPU; lower is better)",
         [(named(n), cpu_ns(n)) for n in ("update_commit/vcow",
                                          "update/unordered_map_insert_or_assign",
                                          "update/cds_lfht_replace_call_rcu")]),
        ("building the table, 1M keys", "ns per key (lower is better)",
         [(named(n), counter(n, "ns_per_key")) for n in sorted(raw)
          if n.startswith("insert_loop/")]),
        ("full iteration", "ns per entry (lower is better)",
         [(named(n), counter(n, "ns_per_entry")) for n in sorted(raw)
          if n.startswith("iterate/")]),
        ("memory, 1M entries", "MB of RSS growth (lower is better)",
         [(named(n), counter(n, "rss_MB")) for n in sorted(raw) if n.startswith("memory/")]),
    ]
    png = bar_charts("hamt", charts, img_dir)
    if png:
        out += ["", "![bench_hamt](%s/%s)" % (img_rel, png)]
    return "\n".join(out)


def bar_charts(suite, charts, img_dir, name=None, title=None):
    """One small bar chart per question, side by side: (title, unit, [(label,
    value)]); vcow's bars blue, the others gray, a linear axis each, every
    bar labelled with its value. Questions with no values are left out."""
    charts = [(t, u, [(k, v) for k, v in items if v]) for t, u, items in charts]
    charts = [c for c in charts if c[2]]
    if not charts or not img_dir or not have_matplotlib():
        return None
    import matplotlib.pyplot as plt

    cols = min(3, len(charts))
    rows = (len(charts) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 0.9 + rows * 2.6), squeeze=False)
    for ax in axes.flat[len(charts):]:
        ax.axis("off")
    for ax, (t, unit, items) in zip(axes.flat, charts):
        names = [k.split("/", 1)[-1] for k, _ in items]
        values = [v for _, v in items]
        colors = ["tab:blue" if "vcow" in k else "tab:gray" for k, _ in items]
        ax.barh(names, values, color=colors)
        ax.invert_yaxis()
        ax.set_title(t, fontsize=10)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.tick_params(axis="x", labelsize=7)
        for y, v in enumerate(values):
            ax.text(v, y, " " + ("%.0f" % v if v >= 100 else "%.3g" % v), va="center", fontsize=7)
        ax.margins(x=0.25)
    fig.suptitle(title or "bench_%s: vcow (blue) and its contenders (gray)" % suite, fontsize=11)
    fig.tight_layout()
    os.makedirs(img_dir, exist_ok=True)
    name = name or "bench_%s.png" % suite
    fig.savefig(os.path.join(img_dir, name), dpi=100)
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
def tree_time(ns):
    """Time per operation with its unit (bulk loads take milliseconds)."""
    return "%.0f ms" % (ns / 1e6) if ns >= 1e6 else "%s ns" % fmt_ns(ns)


def tree_section(runs, img_dir, img_rel):
    """The B+tree against LMDB and std::map: one row per operation."""
    del img_dir, img_rel
    res = {}
    for run in runs:
        for r in run.results.values():
            res[(r["family"], r["case"])] = r
    ops = [("tree_get", "random get", 1.5), ("tree_scan100", "scan 100 keys", None),
           ("tree_commit1", "1-record commit", 3.0), ("tree_bulk_load", "bulk load (sorted)", 1.0)]
    rows, goals = [], []
    for fam, label, goal in ops:
        cells = {c: res.get((fam, c)) for c in ("vcow", "vcow_cmp", "lmdb", "std_map")}
        rate = {c: (r["items_per_second"] if r else None) for c, r in cells.items()}
        ratio = rate["vcow"] / rate["lmdb"] if rate["vcow"] and rate["lmdb"] else None
        rows.append([label] + [tree_time(r["real_ns"]) if r else "-" for r in cells.values()] +
                    [fmt_rate(rate["vcow"]), fmt_rate(rate["lmdb"]), fmt_ratio(ratio)])
        if goal is not None and ratio is not None:
            goals.append("- %s: vcow at %.2fx LMDB's rate, goal >= %gx: %s" %
                         (label, ratio, goal, "met" if ratio >= goal else "NOT met"))
    n = next((r.context.get("vcow_bench_tree_n") for r in runs), None)
    out = [
        "The B+tree (`bench/tree/bench_tree.cc`) against LMDB (on /dev/shm, MDB_NOSYNC |",
        "MDB_NOMETASYNC | MDB_WRITEMAP) and `std::map<std::string, std::string>`, %s" %
        ("%s keys of 16 bytes, 16-byte values." % n if n else "16-byte keys and values."),
        "A get / scan opens one snapshot per request (vcow: read section; LMDB: read txn",
        "renew/reset); a commit publishes one new version (LMDB: one write txn); std::map",
        "has neither snapshots nor versions. \"vcow, comparator\" is the same tree in a",
        "cell with a compare function (memcmp order through the callback: no prefix",
        "shortcut, full-key separators).",
        "",
        table(["operation", "vcow", "vcow, comparator", "LMDB", "std::map", "vcow M items/s",
               "LMDB M items/s", "vcow / LMDB"], rows),
        "",
    ] + goals
    return "\n".join(out)


# --- suite: mixed ------------------------------------------------------------

MIXED_MIXES = [("read100", "read-only"), ("read99", "99/1"), ("read90", "90/10"),
               ("read50", "50/50")]
MIXED_IMPLS = [
    ("vcow_hamt", "vcow HAMT"),
    ("vcow_hamt_history:last1000", "vcow history:last1000"),
    ("umap_shared_mutex", "umap + shared_mutex"),
    ("umap_rwlock", "umap + rwlock"),
    ("umap_mutex", "umap + mutex"),
    ("cds_lfht", "cds_lfht"),
    ("ck_hs", "ck_hs"),
]


def mixed_raw(runs):
    """(family, case, impl, threads) -> the raw JSON entry, with its counters:
    the median aggregate when repeated, else the single run."""
    out = {}
    for run in runs:
        with open(run.path, encoding="utf-8") as f:
            benchmarks = json.load(f).get("benchmarks", [])
        for b in benchmarks:
            if b.get("error_occurred"):
                continue
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            parts = [p for p in b.get("run_name", b["name"]).split("/")
                     if p != "real_time" and not p.startswith(("threads:", "iterations:"))]
            if len(parts) == 2:
                parts = [parts[0], "", parts[1]]
            if len(parts) != 3:
                continue
            key = (parts[0], parts[1], parts[2], int(b.get("threads", 1)))
            if key not in out or b.get("run_type") == "aggregate":
                out[key] = b
    return out


def mixed_section(runs, img_dir, img_rel):
    raw = mixed_raw(runs)
    ctx = runs[0].context if runs else {}
    threads = sorted({k[3] for k in raw if k[0] == "mixed"})

    def rate(mix, impl, t):
        b = raw.get(("mixed", mix, impl, t))
        return b.get("items_per_second") if b else None

    # Throughput: one row per mix and thread count, one column per
    # competitor: M ops/s (vcow_hamt's rate / this one's).
    rows = []
    for mix, label in MIXED_MIXES:
        for t in threads:
            v = rate(mix, "vcow_hamt", t)
            row = [label, t]
            for impl, _ in MIXED_IMPLS:
                r = rate(mix, impl, t)
                if r is None:
                    row.append("-")
                elif impl == "vcow_hamt":
                    row.append(fmt_rate(r))
                else:
                    row.append("%s (%s)" % (fmt_rate(r), fmt_ratio(v / r if v else None)))
            rows.append(row)

    # One writer flat out, N-1 readers (and one reader on 1M keys).
    def rw_table(family):
        out = []
        rw = {k[2]: raw[k] for k in raw if k[0] == family}
        v = rw.get("vcow_hamt", {})
        v_reads, v_writes = v.get("reads/s"), v.get("writes/s")
        for impl, label in MIXED_IMPLS:
            b = rw.get(impl)
            if b is None:
                continue
            reads, writes = b.get("reads/s"), b.get("writes/s")
            alloc = b.get("label", "")[len("alloc:"):] or "?"
            out.append([label, alloc, int(b.get("threads", 0)), fmt_rate(reads), fmt_rate(writes),
                        fmt_ratio(v_reads / reads if v_reads and reads else None),
                        fmt_ratio(v_writes / writes if v_writes and writes else None)])
        return out, rw

    rw_rows, rw = rw_table("readers_vs_writer")
    rw1m_rows, rw1m = rw_table("readers_vs_writer_1M")
    rw_head = ["map", "allocator", "threads", "M reads/s (readers)", "M writes/s (writer)",
               "vcow reads ÷ this", "vcow writes ÷ this"]
    rw1m_goal = []
    v1, l1 = rw1m.get("vcow_hamt", {}), rw1m.get("cds_lfht", {})
    if v1.get("reads/s") and l1.get("reads/s") and v1.get("writes/s") and l1.get("writes/s"):
        rr, wr = v1["reads/s"] / l1["reads/s"], v1["writes/s"] / l1["writes/s"]
        rw1m_goal.append("- one writer + one reader on 1M keys, vcow ÷ cds_lfht: reads %.2fx, "
                         "writes %.2fx, goal >= 1.0x both: %s" %
                         (rr, wr, "met" if rr >= 1 and wr >= 1 else "NOT met"))

    # Memory.
    def mem(impl, counter):
        v = raw.get(("memory", "", impl, 1), {}).get(counter)
        return "%.1f" % v if v is not None else "-"

    mem_rows = [
        ["vcow HAMT", mem("vcow_hamt", "bytes_per_entry"), mem("vcow_hamt", "rss_bytes_per_entry"),
         "vcow_cell_get_stats (requested bytes of nodes and blobs)"],
        ["std::unordered_map", mem("unordered_map", "bytes_per_entry"),
         mem("unordered_map", "rss_bytes_per_entry"),
         "counting allocator (nodes, buckets) + string heap buffers"],
        ["cds_lfht", "-", mem("cds_lfht", "rss_bytes_per_entry"), "RSS growth only"],
    ]
    hist = raw.get(("memory", "", "vcow_hamt_history_all", 1), {})
    per_version = hist.get("bytes_per_version")

    n = next((r.context.get("vcow_bench_mixed_keys") for r in runs), None) or "100000"
    out = [
        "Concurrent mixes on one shared map (`bench/mixed/bench_mixed.cc`): %s keys" % n,
        "`key:%08d` -> 16-byte values, each operation on a key drawn uniformly at random",
        "(per-thread generator); a write overwrites an existing key with a new value.",
        "vcow writes are `vcow_hamt_cell_set` (every write a committed version; history",
        "off, or on with `keep_last = 1000`); `umap` is `std::unordered_map<std::string,",
        "std::string>` under the named lock (shared for reads where it has a shared",
        "mode); `cds_lfht` is liburcu's RCU hash table (urcu-memb, a write replaces the",
        "node and frees the old one by `call_rcu`); `ck_hs` is ConcurrencyKit's SPMC",
        "hash set of record pointers, writers under a mutex, readers in `ck_epoch`",
        "sections, replaced records freed by `ck_epoch_call`.",
        "",
        "M operations/s of all threads together; in parentheses vcow HAMT's rate",
        "divided by that column's (above 1× vcow is faster).",
        "",
        table(["mix (read/write)", "threads"] + [label for _, label in MIXED_IMPLS], rows),
        "",
        "Readers while one writer commits flat out: thread 0 writes without pause,",
        "the other threads read; M reads/s summed over the readers, M writes/s of the",
        "writer; *vcow ÷ this* compares the readers' throughput.",
        "",
        table(rw_head, rw_rows, align=["l", "l"] + ["r"] * 5),
        "",
        "The same with one writer and one reader on %s keys (the map no longer" %
        (ctx.get("vcow_bench_mixed_big_keys") or "1M"),
        "fits the caches):",
        "",
        table(rw_head, rw1m_rows, align=["l", "l"] + ["r"] * 5),
        "",
    ] + rw1m_goal + [
        "",
        "vcow's nodes come from %s; every other map's memory from the process's" %
        ctx.get("vcow_allocator", "its allocator"),
        "malloc (%s; the executable links libvcow.so)." % ctx.get("process_malloc", "?"),
        "",
        "Memory at 1M entries (bytes per entry; RSS growth is measured after",
        "trimming the heaps and includes allocator overhead):",
        "",
        table(["map", "counted", "RSS growth", "counted by"], mem_rows,
              align=["l", "r", "r", "l"]),
        "",
        "- bytes per retained version, history on and unbounded (1M keys, 10^5",
        "  single-key commits, vcow's counters after - before / commits): %s" %
        ("%.0f" % per_version if per_version is not None else "not measured"),
    ]
    out += mixed_charts(raw, threads, img_dir, img_rel)
    return "\n".join(out)


def mixed_charts(raw, threads, img_dir, img_rel):
    """Throughput: one chart per mix and thread count, contenders side by
    side in M operations/s; the writer-vs-readers runs in their own; memory
    per entry and bytes per retained version each in a chart of its own."""
    def mops(v):
        return v / 1e6 if v else None

    thr = []
    for mix, label in MIXED_MIXES:
        for t in threads:
            thr.append(("%s, %d thread%s" % (label, t, "" if t == 1 else "s"),
                        "M operations/s (all threads)",
                        [(impl_label, mops(raw.get(("mixed", mix, impl, t), {}).get(
                            "items_per_second"))) for impl, impl_label in MIXED_IMPLS]))
    for fam, title in (("readers_vs_writer", "readers while one writer writes"),
                       ("readers_vs_writer_1M", "1M keys, one reader + one writer")):
        rw = {k[2]: raw[k] for k in raw if k[0] == fam}
        for what in ("reads/s", "writes/s"):
            thr.append(("%s: %s" % (title, what.split("/")[0]), "M %s" % what,
                        [(lab, mops(rw.get(impl, {}).get(what))) for impl, lab in MIXED_IMPLS]))
    mem = [
        ("memory at 1M entries: counted", "bytes per entry",
         [(lab, raw.get(("memory", "", impl, 1), {}).get("bytes_per_entry"))
          for impl, lab in (("vcow_hamt", "vcow HAMT"), ("unordered_map", "unordered_map"))]),
        ("memory at 1M entries: RSS growth", "bytes per entry",
         [(lab, raw.get(("memory", "", impl, 1), {}).get("rss_bytes_per_entry"))
          for impl, lab in (("vcow_hamt", "vcow HAMT"), ("unordered_map", "unordered_map"),
                            ("cds_lfht", "cds_lfht"))]),
    ]
    hist = [("history on, every version kept (1M keys, 10^5 one-key commits)",
             "bytes per retained version",
             [("vcow HAMT", raw.get(("memory", "", "vcow_hamt_history_all", 1), {}).get(
                 "bytes_per_version"))])]
    out = []
    for charts, name, title in (
            (thr, "bench_mixed.png", "bench_mixed throughput: vcow (blue) and the others (gray)"),
            (mem, "bench_mixed_memory.png", "bench_mixed memory per entry"),
            (hist, "bench_mixed_history.png", "bench_mixed history")):
        png = bar_charts("mixed", charts, img_dir, name=name, title=title)
        if png:
            out += ["", "![%s](%s/%s)" % (title, img_rel, png)]
    return out


def suite_chart(suite, runs, img_dir):
    """One bar chart per benchmark family (the name's first part: one
    question each), contenders side by side on a linear axis: M operations/s
    where the benchmark counts items, else wall ns per operation. Memory
    benchmarks (whose time is a load's run time) are left out: their
    figures are in the tables."""
    fams = {}
    for run in runs:
        for key, r in run.results.items():
            if r["family"].startswith("memory") or r["real_ns"] <= 0:
                continue
            case = "/".join(p for p in key.split("/")[1:]
                            if p != "real_time" and not p.startswith("iterations:"))
            fams.setdefault(r["family"], []).append((case or r["family"], r))
    charts = []
    for fam in sorted(fams):
        items = fams[fam]
        if all(r["items_per_second"] for _, r in items):
            charts.append((fam, "M operations/s (higher is better)",
                           [(c, r["items_per_second"] / 1e6) for c, r in items]))
        else:
            charts.append((fam, "wall ns per operation (lower is better)",
                           [(c, r["real_ns"]) for c, r in items]))
    return bar_charts(suite, charts, img_dir)


SUITES = {
    "gc": ("Read sections (gc)", gc_section),
    "rope": ("Rope (rope)", rope_section),
    "hamt": ("Hash map (hamt)", hamt_section),
    "tree": ("Ordered map (tree)", tree_section),
    "mixed": ("Concurrent mixes (mixed)", mixed_section),
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
        body = fn(by_suite[suite], args.img, img_rel)
        if suite not in ("gc", "hamt", "mixed"):  # these draw their own charts
            img = suite_chart(suite, by_suite[suite], args.img)
            if img is not None:
                body += "\n\n![bench_%s](%s/%s)" % (suite, img_rel, img)
        text = replace_block(text, suite, body, title=title)
        print("report.py: %s: %d executable(s) -> %s" % (suite, len(by_suite[suite]), args.doc))

    os.makedirs(os.path.dirname(os.path.abspath(args.doc)), exist_ok=True)
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
