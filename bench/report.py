#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn raw benchmark output (written by bench/run) into Markdown tables and PNG plots.

Subcommands:
  machine   write RESULTS/machine.md (CPU, cores, memory, kernel, tool versions)
  suite     RESULTS/<suite>.json (hyperfine) + <suite>.cells.tsv -> <suite>.md, .png
            exit status 3 if tools disagree on the number of matching lines
  memory    RESULTS/memory.tsv -> memory.md
  scaling   RESULTS/scaling.raw.tsv -> scaling.csv, scaling.md, scaling.png
  record    copy each --suite's table into --into (RESULTS.md), between its markers

Only the Python standard library is used; plots are drawn by gnuplot.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

MISMATCH = "MISMATCH"


# ------------------------------------------------------------------ helpers
def sh(cmd):
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip()
    except Exception as e:  # noqa: BLE001 - best effort
        return "unavailable (%s)" % e


def first_line(s):
    return s.splitlines()[0] if s else ""


def machine_info(mpsearch):
    info = {}
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info["cpu"] = cpu or platform.processor()
    info["cores"] = str(os.cpu_count())
    info["memory"] = "%.1f GiB (MemTotal %d kB)" % (mem_kb / 1048576.0, mem_kb)
    info["kernel"] = " ".join([platform.system(), platform.release(), platform.machine()])
    info["os"] = sh(". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\"")
    info["ripgrep"] = first_line(sh("rg --version"))
    info["ugrep"] = first_line(sh("ugrep --version"))
    info["grep"] = first_line(sh("grep --version"))
    info["hyperfine"] = first_line(sh("hyperfine --version"))
    info["openmpi"] = first_line(sh("mpirun --version"))
    info["locale"] = os.environ.get("LC_ALL", "")
    if mpsearch and os.access(mpsearch, os.X_OK):
        rev = sh("git -C %s rev-parse --short HEAD 2>/dev/null" % os.path.dirname(os.path.abspath(__file__)))
        info["mpsearch"] = "%s (repo HEAD %s)" % (mpsearch, rev or "?")
    else:
        info["mpsearch"] = "not built (%s missing) - rows pending" % mpsearch
    return info


def machine_md(info):
    rows = ["| | |", "|---|---|"]
    for k in ["date", "cpu", "cores", "memory", "kernel", "os", "ripgrep", "ugrep", "grep",
              "hyperfine", "openmpi", "locale", "mpsearch"]:
        rows.append("| %s | %s |" % (k, info.get(k, "")))
    return "\n".join(rows) + "\n"


def fmt_s(x):
    if x is None:
        return "-"
    if x >= 10:
        return "%.2f" % x
    if x >= 1:
        return "%.3f" % x
    return "%.4f" % x


def gnuplot(script):
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not found, no plot", file=sys.stderr)
        return False
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print("report.py: gnuplot failed:\n" + r.stderr, file=sys.stderr)
        return False
    return True


def gp_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------ suite
def read_cells(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def suite_report(a):
    res_dir = a.results
    with open(os.path.join(res_dir, a.suite + ".json")) as f:
        hf = json.load(f)["results"]
    cells = read_cells(os.path.join(res_dir, a.suite + ".cells.tsv"))
    if len(hf) != len(cells):
        sys.exit("report.py: %d hyperfine results but %d cells" % (len(hf), len(cells)))
    for c, r in zip(cells, hf):
        c["median"] = r["median"]
        c["mean"] = r["mean"]
        c["stddev"] = r.get("stddev") or 0.0
        c["min"] = r["min"]
        c["max"] = r["max"]
        c["runs"] = len(r.get("times", []))
        codes = set(r.get("exit_codes") or [])
        c["hf_exit"] = ",".join(str(x) for x in sorted(codes))

    queries, tools, labels = [], [], {}
    for c in cells:
        if c["query"] not in queries:
            queries.append(c["query"])
        if c["toolid"] not in tools:
            tools.append(c["toolid"])
            labels[c["toolid"]] = c["tool"]
    by = {(c["query"], c["toolid"]): c for c in cells}

    # --- correctness: compare the number of matching lines per query
    mismatches = []
    for q in queries:
        qc = [c for c in cells if c["query"] == q and c["matches"] != "-"]
        if not qc:
            continue
        ref_cell = by.get((q, "rg"))
        if ref_cell is not None and ref_cell["matches"] != "-":
            ref = ref_cell["matches"]
        else:
            ref = statistics.mode([c["matches"] for c in qc])
        for c in qc:
            c["expected"] = ref
            rc = int(c["rc"])
            failed = rc > 1 or (rc == 1 and c["matches"] != "0")
            if failed:
                c["status"] = "FAILED (exit %d)" % rc
                mismatches.append(c)
            elif c["matches"] != ref:
                c["status"] = "%s (%s, expected %s)" % (MISMATCH, c["matches"], ref)
                mismatches.append(c)
            else:
                c["status"] = "ok"
            if c.get("binary_lines", "0") not in ("0", ""):
                c["status"] += " (+%s 'Binary file matches' lines)" % c["binary_lines"]

    def ratio(c):
        rgc = by.get((c["query"], "rg"))
        if rgc is None or not c["median"]:
            return None
        return rgc["median"] / c["median"]

    out = []
    out.append("# Benchmark: %s\n" % a.title)
    out.append("Suite `%s`; hyperfine `--warmup %s --runs %s --output=pipe`; warm page cache. "
               "Cells: median wall time in seconds, and in parentheses the ratio "
               "`rg median / tool median` (> 1 means faster than ripgrep).\n"
               % (a.suite, a.warmup, a.runs))
    if not (a.mpsearch and os.access(a.mpsearch, os.X_OK)):
        out.append("mpsearch rows: **pending** (binary `%s` not built when this was run).\n" % a.mpsearch)
    env = os.path.join(res_dir, a.suite + ".env")
    if os.path.exists(env):
        with open(env) as f:
            out.append("Conditions at start: " + ", ".join(l.strip() for l in f if l.strip()) + ".\n")
    if mismatches:
        out.append("**WARNING: tools disagree on the number of matching lines (marked %s/FAILED "
                   "below):**\n" % MISMATCH)
        for c in mismatches:
            out.append("- `%s` / %s: %s" % (c["query"], c["tool"], c["status"]))
        out.append("")

    hdr = "| query | " + " | ".join(labels[t] for t in tools) + " |"
    out.append(hdr)
    out.append("|---|" + "---:|" * len(tools))
    for q in queries:
        row = ["`%s`" % q]
        for t in tools:
            c = by.get((q, t))
            if c is None:
                row.append("-")
                continue
            r = ratio(c)
            s = fmt_s(c["median"])
            if r is not None:
                s += " (%.2fx)" % r
            if c.get("status", "ok") != "ok" and not c.get("status", "").startswith("ok "):
                s += " **%s**" % ("FAILED" if c["status"].startswith("FAILED") else MISMATCH)
            row.append(s)
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("## Details\n")
    out.append("| query | tool | median s | mean ± σ s | min s | max s | vs rg | matching lines | check | command |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for c in cells:
        r = ratio(c)
        out.append("| `%s` | %s | %s | %s ± %s | %s | %s | %s | %s | %s | `%s` |" % (
            c["query"], c["tool"], fmt_s(c["median"]), fmt_s(c["mean"]), fmt_s(c["stddev"]),
            fmt_s(c["min"]), fmt_s(c["max"]), "-" if r is None else "%.2f" % r,
            c["matches"], c.get("status", "-"), c["cmd"].replace("|", "\\|")))
    out.append("")
    out.append("Queries: `literal` = `PM_RESUME`, `literal-i` = `-i PM_RESUME`, `literal-w` = "
               "`-w PM_RESUME`, `alternation` = `-e ERR_SYS -e PME_TURN_OFF -e LINK_REQ_RST -e "
               "CFG_BME_EVT`, `regex` = `-E '[A-Z]+_RESUME'`, `count` = `-c mutex_lock` (summed "
               "per-file counts). Matching lines are counted from each tool's output (`wc -l`; "
               "`Binary file ... matches` notices are not counted).\n")
    out.append("Plot: `%s.png`. Raw data: `%s.json` (hyperfine), `%s.cells.tsv`.\n"
               % (a.suite, a.suite, a.suite))
    md = os.path.join(res_dir, a.suite + ".md")
    with open(md, "w") as f:
        f.write("\n".join(out))

    # --- plot: clustered bars, one cluster per query, one bar per tool
    dat = os.path.join(res_dir, a.suite + ".dat")
    with open(dat, "w") as f:
        f.write("query " + " ".join(gp_quote(labels[t]) for t in tools) + "\n")
        for q in queries:
            vals = []
            for t in tools:
                c = by.get((q, t))
                vals.append("-" if c is None else "%.6f" % c["median"])
            f.write(gp_quote(q) + " " + " ".join(vals) + "\n")
    png = os.path.join(res_dir, a.suite + ".png")
    script = """
set terminal pngcairo size 1100,600 noenhanced font ",10"
set output %s
set title %s
set datafile missing "-"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ytics (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
set mytics 10
set ylabel "median wall time [s] (log scale, lower is better)"
set key outside right top vertical
set grid ytics
set xtics rotate by -20
plot for [i=2:%d] %s using i:xtic(1) title columnheader(i)
""" % (gp_quote(png), gp_quote("%s: median of %s runs" % (a.title, a.runs)), len(tools) + 1, gp_quote(dat))
    gnuplot(script)
    print(md)
    return 3 if mismatches else 0


# ------------------------------------------------------------------ memory
def memory_report(a):
    path = os.path.join(a.results, "memory.tsv")
    rows = read_cells(path)
    out = ["# Benchmark: peak memory\n",
           "Pattern `%s` on the big file (1.21 GB); peak RSS (`ru_maxrss`, largest single "
           "process in the tree) from `/usr/bin/time -v`. Output piped to `wc -l` (except the "
           "`/dev/null` row) so that no tool can skip work. RSS counts file pages mapped "
           "with `mmap` (ripgrep memory-maps a single large file), so it is not all heap.\n"
           % a.pattern]
    if not (a.mpsearch and os.access(a.mpsearch, os.X_OK)):
        out.append("mpsearch rows: **pending** (binary `%s` not built when this was run).\n" % a.mpsearch)
    out.append("| tool | max RSS MiB | elapsed | output lines | exit | command |")
    out.append("|---|---:|---:|---:|---:|---|")
    for r in rows:
        try:
            mib = "%.1f" % (int(r["max_rss_kb"]) / 1024.0)
        except ValueError:
            mib = "?"
        out.append("| %s | %s | %s | %s | %s | `%s` |" % (
            r["tool"], mib, r["elapsed"], r["lines"], r["exit"], r["cmd"].replace("|", "\\|")))
    out.append("")
    md = os.path.join(a.results, "memory.md")
    with open(md, "w") as f:
        f.write("\n".join(out))
    print(md)
    return 0


# ------------------------------------------------------------------ scaling
STATS_ORDER = ["ranks", "workers", "files", "bytes", "matched_lines", "walk_s", "walk_wait_s", "scatter_s", "dispatch_s",
               "search_s", "gather_s", "total_s", "imbalance", "serial_share"]


def parse_stats(line):
    d = {}
    line = line.strip()
    if line.startswith("mpsearch-stats:"):
        line = line[len("mpsearch-stats:"):]
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return d


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def scaling_report(a):
    raw = read_cells(os.path.join(a.results, "scaling.raw.tsv"))
    keys = []
    parsed = []
    for r in raw:
        st = parse_stats(r.get("stats") or "")
        for k in st:
            if k not in keys:
                keys.append(k)
        parsed.append((r, st))
    keys = [k for k in STATS_ORDER if k in keys] + [k for k in keys if k not in STATS_ORDER]
    csv_path = os.path.join(a.results, "scaling.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cfg_ranks", "cfg_workers", "cores", "run", "wall_s", "exit", "out_lines"]
                   + ["stats_" + k for k in keys])
        for r, st in parsed:
            cores = int(r["ranks"]) * int(r["workers"])
            w.writerow([r["ranks"], r["workers"], cores, r["run"], r["wall_s"], r["exit"],
                        r["out_lines"]] + [st.get(k, "") for k in keys])

    configs = []
    for r, _ in parsed:
        c = (int(r["ranks"]), int(r["workers"]))
        if c not in configs:
            configs.append(c)

    def med(cfg, key, from_stats=True):
        vals = []
        for r, st in parsed:
            if (int(r["ranks"]), int(r["workers"])) != cfg or r["exit"] not in ("0", "1"):
                continue
            v = num(st.get(key)) if from_stats else num(r.get(key))
            if v is not None:
                vals.append(v)
        return statistics.median(vals) if vals else None

    base = med((1, 1), "wall_s", False)
    base_total = med((1, 1), "total_s")
    out = ["# Benchmark: scaling (linux-x5: 5 hard-linked copies of the linux tree)\n",
           "`mpirun -np R mpsearch -n -j W --stats %s linux-x5`, medians of the runs per "
           "configuration. Speedup and efficiency are relative to R=1, W=1 and use wall time "
           "measured around `mpirun` (and, where reported, mpsearch's own `total_s`). "
           "Efficiency = speedup / (R*W). The machine has %s cores, so R*W=4 is oversubscribed.\n"
           % (a.query, os.cpu_count())]
    cols = ["ranks", "workers", "cores", "wall s", "speedup", "efficiency", "total_s",
            "speedup(total_s)"] + [k for k in ["walk_s", "scatter_s", "search_s", "gather_s",
                                                "imbalance", "serial_share"] if k in keys]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "---:|" * len(cols))
    plot_rows = []
    for cfg in configs:
        rk, wk = cfg
        cores = rk * wk
        wall = med(cfg, "wall_s", False)
        tot = med(cfg, "total_s")
        sp = base / wall if base and wall else None
        spt = base_total / tot if base_total and tot else None
        row = [str(rk), str(wk), str(cores), fmt_s(wall),
               "-" if sp is None else "%.2f" % sp,
               "-" if sp is None else "%.2f" % (sp / cores),
               fmt_s(tot), "-" if spt is None else "%.2f" % spt]
        for k in cols[8:]:
            v = med(cfg, k)
            row.append("-" if v is None else ("%.4f" % v))
        out.append("| " + " | ".join(row) + " |")
        plot_rows.append((rk, wk, cores, sp, None if sp is None else sp / cores, spt))
    out.append("\nRaw per-run data: `scaling.csv` (columns `stats_*` are copied from the "
               "`mpsearch-stats:` line). Plot: `scaling.png`.\n")
    md = os.path.join(a.results, "scaling.md")
    with open(md, "w") as f:
        f.write("\n".join(out))

    dat = os.path.join(a.results, "scaling.dat")
    with open(dat, "w") as f:
        f.write("label cores speedup efficiency speedup_total\n")
        for rk, wk, cores, sp, eff, spt in plot_rows:
            f.write('"R%d x W%d" %d %s %s %s\n' % (rk, wk, cores,
                                                  "-" if sp is None else "%.4f" % sp,
                                                  "-" if eff is None else "%.4f" % eff,
                                                  "-" if spt is None else "%.4f" % spt))
    png = os.path.join(a.results, "scaling.png")
    script = """
set terminal pngcairo size 1000,550 noenhanced font ",10"
set output %s
set title "mpsearch strong scaling on linux-x5 (query %s)"
set datafile missing "-"
set xlabel "configuration (ranks x workers)"
set ylabel "speedup vs R1 x W1"
set y2label "parallel efficiency"
set y2range [0:1.2]
set yrange [0:*]
set ytics nomirror
set y2tics
set grid ytics
set key top left
set style fill solid 0.6 border -1
set boxwidth 0.35
plot %s using ($0-0.18):3:xtic(1) with boxes title "speedup (wall)", \\
     %s using ($0+0.18):5 with boxes title "speedup (total_s)", \\
     %s using 0:2 with linespoints dt 2 title "ideal (R*W)", \\
     %s using 0:4 axes x1y2 with linespoints lw 2 title "efficiency (wall)"
""" % (gp_quote(png), a.query, gp_quote(dat), gp_quote(dat), gp_quote(dat), gp_quote(dat))
    gnuplot(script)
    print(md)
    return 0


# ------------------------------------------------------------------ record
def first_table(text):
    """The first Markdown table of text, as a list of lines."""
    table = []
    for line in text.splitlines():
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


def record_report(a):
    """Copy each suite's table (the first one of RESULTS/<suite>.md) into
    the file --into, between the lines <!-- bench:SUITE ... --> and
    <!-- /bench:SUITE -->; the prose around them is left to people."""
    with open(a.into) as f:
        text = f.read()
    for suite in a.suite.split(","):
        src = os.path.join(a.results, suite + ".md")
        begin = text.find("<!-- bench:%s " % suite)
        end = text.find("<!-- /bench:%s -->" % suite)
        if not os.path.exists(src) or begin < 0 or end < begin:
            print("report.py: %s: no %s or no markers in %s" % (suite, src, a.into))
            continue
        with open(src) as f:
            table = first_table(f.read())
        begin = text.index("\n", begin) + 1
        text = text[:begin] + "\n".join(table) + "\n" + text[end:]
        print("report.py: %s: table of %s updated" % (a.into, suite))
    with open(a.into, "w") as f:
        f.write(text)
    return 0


# ------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["machine", "suite", "memory", "scaling", "record"])
    ap.add_argument("--into", help="record: the RESULTS.md to update")
    ap.add_argument("--results", required=True)
    ap.add_argument("--suite")
    ap.add_argument("--title", default="")
    ap.add_argument("--runs", default="?")
    ap.add_argument("--warmup", default="?")
    ap.add_argument("--mpsearch", default="")
    ap.add_argument("--pattern", default="")
    ap.add_argument("--query", default="")
    a = ap.parse_args()
    if a.what == "machine":
        info = machine_info(a.mpsearch)
        path = os.path.join(a.results, "machine.md")
        with open(path, "w") as f:
            f.write("# Machine\n\n" + machine_md(info))
        print(path)
        return 0
    if a.what == "suite":
        return suite_report(a)
    if a.what == "memory":
        return memory_report(a)
    if a.what == "record":
        return record_report(a)
    return scaling_report(a)


if __name__ == "__main__":
    sys.exit(main())
