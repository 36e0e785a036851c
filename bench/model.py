#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Strong-scaling model for mpsearch on a large corpus (default 100 GB in 10 million files)
on 1..1024 nodes (powers of two).

Run time on N nodes (one MPI rank per node, `cores` forked workers per rank):

  T(N) = startup(N) + scatter(N) + max(walk, search(N)) + gather(N)     (--walk-mode overlapped,
                                                                         mpsearch's design)
  T(N) = startup(N) + walk + scatter(N) + search(N) + gather(N)          (serial, parallel: what-ifs)

  startup(N) = startup_base + startup_per_rank * N            launching N ranks (linear launcher)
  walk       = files / min(walk_rate, pfs_md_rate)             rank 0 walks the tree, in a thread;
               overlapped: the ranks search the rounds it hands out meanwhile, so the walk only
               shows where it is slower than the search (rank 0 cannot list files as fast as
               N nodes search them); serial: the walk ends before anyone searches (a single
               scatter, mpsearch before rounds); parallel: every rank walks a share,
               files / min(N*min(walk_rate, pfs_md_rate), pfs_md_aggregate)
  scatter(N) = V_sc / min(scatter_rate, net_bw) + N*latency    the collective first round;
               V_sc = min(files, round0) * path_bytes when overlapped (later rounds go point to
               point while ranks search), files * path_bytes otherwise, or data_bytes
               (--scatter-volume data)
  search(N)  = (1 + imbalance) * ( data_bytes / min(N * scan_rate, pfs_bw)
                                 + files / min(N * cores * open_rate, pfs_open_rate) )
  gather(N)  = out_bytes / min(gather_rate, net_bw) + N*latency   results funnel into rank 0
               out_bytes = data_bytes * out_fraction

startup, walk, scatter and gather do not shrink with N (the "serial" parts); search does.
Serial fraction = (T - search) / T: overlapped, the walk counts only where it exceeds the search.
speedup = T(1)/T(N), efficiency = speedup/N, serial fraction = serial parts / T(N).

Measured serial parts (walk rate, scatter rate, gather rate, per-rank start-up, imbalance,
output fraction) can be given as options or read from bench/results/scaling.csv
(--from-csv, the default when that file exists; written by `bench/run scaling`).
Every other number is a PLACEHOLDER ASSUMPTION (marked "assumed" in the output):
per-node scan rate, network bandwidth/latency, parallel file-system bandwidth and
metadata rates. Change them with the options below to match a real cluster.
"""
import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(HERE, "results", "scaling.csv")


def si(x, unit=""):
    for f, p in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= f:
            return "%.3g %s%s" % (x / f, p, unit)
    return "%.3g %s" % (x, unit)


def num(x):
    try:
        v = float(x)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return None


def measured_from_csv(path, path_bytes, line_bytes):
    """Derive serial-part rates from scaling.csv (one row per run)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("exit") in ("0", "1")]
    if not rows:
        raise ValueError("no successful runs in %s" % path)
    walk, scat, gath, start, imb, outf = [], [], [], [], [], []
    for r in rows:
        files = num(r.get("stats_files"))
        data = num(r.get("stats_bytes"))
        lines = num(r.get("stats_matched_lines"))
        ranks = num(r.get("stats_ranks")) or num(r.get("cfg_ranks"))
        ws, ss, gs = (num(r.get("stats_walk_s")), num(r.get("stats_scatter_s")),
                      num(r.get("stats_gather_s")))
        tot, wall = num(r.get("stats_total_s")), num(r.get("wall_s"))
        if files and ws:
            walk.append(files / ws)
        if files and ss:
            scat.append(min(files, ROUND0) * path_bytes / ss)
        if lines is not None and gs:
            gath.append(max(lines, 1) * line_bytes / gs)
        if tot is not None and wall is not None:
            start.append(max(wall - tot, 0.0))
        v = num(r.get("stats_imbalance"))
        if v is not None:
            imb.append(max(v - 1.0, 0.0))  # the stats give max/mean; the model wants the excess
        if lines is not None and data:
            outf.append(lines * line_bytes / data)
    m = {}
    for k, v in (("walk_rate", walk), ("scatter_rate", scat), ("gather_rate", gath),
                 ("startup_base", start), ("imbalance", imb), ("out_fraction", outf)):
        if v:
            m[k] = statistics.median(v)
    return m, len(rows)


ROUND0 = 4096  # units in mpsearch's collective first round (src/run.c ROUND0_MAX)


def model(p, n):
    c = {}
    c["startup"] = p.startup_base + p.startup_per_rank * n
    if p.walk_mode in ("serial", "overlapped"):
        c["walk"] = p.files / min(p.walk_rate, p.pfs_md_rate)
    else:
        c["walk"] = p.files / min(n * min(p.walk_rate, p.pfs_md_rate), p.pfs_md_aggregate)
    listed = min(p.files, ROUND0) if p.walk_mode == "overlapped" else p.files
    vol = listed * p.path_bytes if p.scatter_volume == "paths" else p.data_bytes
    c["scatter"] = vol / min(p.scatter_rate, p.net_bw) + n * p.net_latency
    scan = p.data_bytes / min(n * p.scan_rate, p.pfs_bw)
    opens = p.files / min(n * p.cores * p.open_rate, p.pfs_open_rate)
    c["search"] = (1.0 + p.imbalance) * (scan + opens)
    c["gather"] = p.data_bytes * p.out_fraction / min(p.gather_rate, p.net_bw) + n * p.net_latency
    return c


def total(p, c):
    if p.walk_mode == "overlapped":
        return c["startup"] + c["scatter"] + max(c["walk"], c["search"]) + c["gather"]
    return sum(c.values())


def serial_part(p, c):
    t = total(p, c)
    return t - c["search"] - (c["walk"] if p.walk_mode == "parallel" else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_argument_group("corpus and machine shape")
    g.add_argument("--data-bytes", type=float, default=100e9, help="corpus size (default 100e9)")
    g.add_argument("--files", type=float, default=10e6, help="number of files (default 10e6)")
    g.add_argument("--max-nodes", type=int, default=1024)
    g.add_argument("--cores", type=int, default=2, help="cores (workers) per node (default 2)")
    m = ap.add_argument_group("measured serial parts (override --from-csv values)")
    m.add_argument("--from-csv", default=None,
                   help="scaling.csv to derive measured parts from (default %s if it exists; "
                        "'none' to disable)" % DEFAULT_CSV)
    m.add_argument("--walk-rate", type=float, help="directory walk rate at rank 0, files/s")
    m.add_argument("--scatter-rate", type=float, help="scatter rate of rank 0, bytes/s")
    m.add_argument("--gather-rate", type=float, help="gather rate into rank 0, bytes/s")
    m.add_argument("--startup-base", type=float,
                   help="launch cost (mpirun wall - mpsearch total_s on one node), s")
    m.add_argument("--imbalance", type=float, help="max/mean - 1 of per-rank search time")
    m.add_argument("--out-fraction", type=float,
                   help="output bytes / corpus bytes for the modelled query")
    a = ap.add_argument_group("ASSUMPTIONS (placeholders, not measured)")
    a.add_argument("--scan-rate", type=float, default=2e9,
                   help="search throughput of one node (all its cores), bytes/s (2e9)")
    a.add_argument("--net-bw", type=float, default=10e9,
                   help="network bandwidth into/out of rank 0, bytes/s (10e9 ~ 100 Gb/s)")
    a.add_argument("--net-latency", type=float, default=5e-6,
                   help="per-rank message latency at rank 0, s (5e-6)")
    a.add_argument("--pfs-bw", type=float, default=200e9,
                   help="aggregate parallel file-system read bandwidth, bytes/s (200e9)")
    a.add_argument("--pfs-md-rate", type=float, default=50e3,
                   help="PFS metadata rate seen by a single client walking the tree, "
                        "entries/s (50e3)")
    a.add_argument("--pfs-open-rate", type=float, default=500e3,
                   help="aggregate PFS open+close rate over all clients, files/s (500e3)")
    a.add_argument("--open-rate", type=float, default=20e3,
                   help="open+close rate of one worker on the PFS, files/s (20e3)")
    a.add_argument("--startup-per-rank", type=float, default=0.002,
                   help="launch cost added per rank, s (0.002; one node cannot measure it)")
    a.add_argument("--path-bytes", type=float, default=80, help="bytes per path in work lists (80)")
    a.add_argument("--line-bytes", type=float, default=80, help="bytes per output line (80)")
    a.add_argument("--pfs-md-aggregate", type=float, default=500e3,
                   help="aggregate PFS metadata rate over all clients, entries/s (500e3); "
                        "only used with --walk-mode parallel")
    a.add_argument("--walk-mode", choices=["overlapped", "serial", "parallel"],
                   default="overlapped",
                   help="overlapped: rank 0 walks while ranks search the rounds it hands out "
                        "(mpsearch's design); serial: the walk ends before the search starts "
                        "(a single scatter); parallel: what-if where every rank walks a share")
    a.add_argument("--scatter-volume", choices=["paths", "data"], default="paths",
                   help="what rank 0 sends: file paths (default) or the file data itself")
    # a plot of a what-if goes to the ignored bench/out/; --png bench/results/model.png records it
    ap.add_argument("--png", default=os.path.join(HERE, "out", "model.png"))
    ap.add_argument("--markdown", default=None, help="also write the table as Markdown here")
    p = ap.parse_args()

    # placeholder defaults for the 'measured' parts when nothing was measured
    placeholders = {"walk_rate": 500e3, "scatter_rate": 1e9, "gather_rate": 1e9,
                    "startup_base": 0.5, "imbalance": 0.05, "out_fraction": 1e-4}
    source = {k: "assumed (placeholder)" for k in placeholders}
    csv_path = p.from_csv
    if csv_path is None and os.path.exists(DEFAULT_CSV):
        csv_path = DEFAULT_CSV
    measured = {}
    if csv_path and csv_path != "none":
        try:
            measured, nrows = measured_from_csv(csv_path, p.path_bytes, p.line_bytes)
            for k in measured:
                source[k] = "measured (%s, median of %d runs)" % (os.path.relpath(csv_path), nrows)
        except (OSError, ValueError) as e:
            print("model.py: cannot use %s: %s; using placeholders" % (csv_path, e), file=sys.stderr)
    for k, v in placeholders.items():
        cli = getattr(p, k)
        if cli is not None:
            source[k] = "given on command line"
        else:
            setattr(p, k, measured.get(k, v))

    lines = []
    out = lines.append
    out("# mpsearch strong-scaling model: %s in %s files, %d cores/node\n"
        % (si(p.data_bytes, "B"), si(p.files), p.cores))
    out("Parameters:\n")
    out("| parameter | value | source |")
    out("|---|---:|---|")
    for k, unit in (("walk_rate", "files/s"), ("scatter_rate", "B/s"), ("gather_rate", "B/s"),
                    ("startup_base", "s"), ("imbalance", ""), ("out_fraction", "")):
        out("| %s | %s | %s |" % (k, si(getattr(p, k), unit) if unit else "%.3g" % getattr(p, k),
                                 source[k]))
    for k, unit in (("scan_rate", "B/s per node"), ("net_bw", "B/s"), ("net_latency", "s"),
                    ("pfs_bw", "B/s"), ("pfs_md_rate", "entries/s"), ("pfs_open_rate", "files/s"),
                    ("open_rate", "files/s per worker"), ("startup_per_rank", "s"),
                    ("path_bytes", "B"), ("line_bytes", "B")):
        out("| %s | %s | assumed (placeholder) |" % (k, si(getattr(p, k), unit)))
    out("| scatter_volume | %s | assumed |" % p.scatter_volume)
    out("| walk_mode | %s | %s |" % (p.walk_mode, "mpsearch design" if p.walk_mode == "overlapped"
                                     else "what-if" if p.walk_mode == "serial"
                                     else "what-if (pfs_md_aggregate %s entries/s)"
                                     % si(p.pfs_md_aggregate)))
    out("")

    nodes = [2 ** i for i in range(int(math.log2(p.max_nodes)) + 1)]
    t1 = total(p, model(p, 1))
    out("| nodes | time s | speedup | efficiency | serial fraction | startup | walk | scatter "
        "| search | gather | dominant |")
    out("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for n in nodes:
        c = model(p, n)
        t = total(p, c)
        serial = serial_part(p, c)
        sp = t1 / t
        dom = max(c, key=c.get)
        rows.append((n, t, sp, sp / n, serial / t, c))
        out("| %d | %.2f | %.1f | %.3f | %.3f | %.2f | %.2f | %.3f | %.2f | %.3f | %s |" % (
            n, t, sp, sp / n, serial / t, c["startup"], c["walk"], c["scatter"], c["search"],
            c["gather"], dom))
    c1 = model(p, 1)
    serial1 = serial_part(p, c1)
    out("")
    if p.walk_mode != "overlapped":
        out("Amdahl bound with these parameters: serial part %.2f s of T(1) = %.1f s -> speedup "
            "< %.1f." % (serial1, t1, t1 / serial1 if serial1 > 0 else float("inf")))
    bound = [r[0] for r in rows if r[5]["walk"] > r[5]["search"]]
    out("Best modelled time %.2f s at %d nodes.%s" % (
        min(r[1] for r in rows), min(rows, key=lambda r: r[1])[0],
        " Rank 0's walk is longer than the search from %d nodes." % bound[0] if bound else ""))
    if p.walk_mode == "overlapped":
        out("Overlapped walk: the search cannot go faster than rank 0 lists files, so from "
            "the node count where search(N) < walk (%s files at %s files/s = %.1f s) rank 0's "
            "walk is the limit; past it a distributed walk is needed." % (
                si(p.files), si(min(p.walk_rate, p.pfs_md_rate)), c1["walk"]))
    out("The model assumes one rank per node, a shared parallel file system visible to all "
        "ranks, a tree walk at rank 0 limited by the file-system metadata rate, and "
        "that per-file open cost is paid by the searching workers. All 'assumed' values are "
        "placeholders, not measurements.")
    text = "\n".join(lines) + "\n"
    print(text)
    if p.markdown:
        with open(p.markdown, "w") as f:
            f.write(text)

    if p.png and shutil.which("gnuplot"):
        os.makedirs(os.path.dirname(os.path.abspath(p.png)), exist_ok=True)
        dat = os.path.splitext(p.png)[0] + ".dat"
        with open(dat, "w") as f:
            f.write("nodes time speedup efficiency serial startup walk scatter search gather\n")
            for n, t, sp, eff, sf, c in rows:
                f.write("%d %g %g %g %g %g %g %g %g %g\n" % (
                    n, t, sp, eff, sf, c["startup"], c["walk"], c["scatter"], c["search"],
                    c["gather"]))
        script = """
set terminal pngcairo size 1200,520 noenhanced font ",10"
set output "%s"
set multiplot layout 1,2 title "mpsearch strong-scaling model: %s, %s files, %d cores/node (placeholder assumptions, see model.py --help)"
set logscale x 2
set logscale y 10
set xlabel "nodes"
set grid
set key top right
set ylabel "time [s]"
set title "time per component"
plot "%s" using 1:2 with linespoints lw 2 title "total", \\
     "" using 1:9 with linespoints title "search", \\
     "" using 1:7 with linespoints title "walk (rank 0)", \\
     "" using 1:6 with linespoints title "startup", \\
     "" using 1:8 with linespoints title "scatter", \\
     "" using 1:10 with linespoints title "gather"
set title "speedup and efficiency"
set yrange [1:%d]
set ylabel "speedup"
set y2label "efficiency"
set y2range [0:1.05]
set y2tics
set ytics nomirror
set key top left
plot "%s" using 1:3 with linespoints lw 2 title "speedup", \\
     "" using 1:1 with lines dt 2 title "ideal", \\
     "" using 1:4 axes x1y2 with linespoints title "efficiency"
unset multiplot
""" % (p.png, si(p.data_bytes, "B"), si(p.files), p.cores, dat, 2 * nodes[-1], dat)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            print("model.py: gnuplot failed: " + r.stderr, file=sys.stderr)
        else:
            print("plot: %s" % p.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
