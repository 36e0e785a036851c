#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Strong-scaling model for mpsearch on a large corpus (default 100 GB in 10 million files)
on 1..1024 nodes (one MPI rank per node, `cores` workers per rank), with the distributed
walk: rank 0 lists the top two levels of the tree, every directory below is a work item
listed by the rank that gets it (rank 0 too), one item per round.

  T(N) = startup(N) + walk_top + max(walk_items(N), search(N), gather)

  startup(N)    = startup_base + startup_per_rank * N         mpirun to MPI_Init and back
  dirs          = files / files_per_dir
  walk_top      = top_fraction * dirs * dir_cost               rank 0 alone, before items flow
  walk_items(N) = max(items / (N * walk_eff), max_item)        items listed in parallel, but a
                  items    = (1 - top_fraction) * dirs * dir_cost + files * file_cost
                  max_item = max_item_fraction * dirs * dir_cost  subtree is listed by one rank
                                                               (rank 0 splits only the last)
  dir_cost      = dir_latency + dir_overhead                   latency-bound metadata: a listing
                                                               waits on the metadata server
  When a listing (dir_cost + files_per_dir * file_cost) takes less than tree_slow (250 us,
  src/run_int.h TREE_SLOW_DIR_S), mpsearch does not hand directories out: rank 0 walks
  everything, walk_items(N) = items, a serial part (walk_rank0 below).
  search(N)     = (1 + imbalance) * data_bytes / min(N * scan_rate, pfs_bw)
  gather        = out_bytes / gather_rate                      every result line goes through
                                                               rank 0 (it prints while others
                                                               search: overlapped, not added)
                = out_bytes / output_rate  with --to-file      --output FILE: each rank prints
                                                               its own rounds into the shared
                                                               file in turn (the baton), so the
                                                               printing is serial but no line
                                                               passes rank 0

Serial parts: startup, walk_top, max_item (no splitting of an item yet) and gather do not
shrink with N.  A serial part "binds" from the node count where it is as long as the parallel
part, max(items / (N * walk_eff), search(N)): past it, more nodes buy nothing.

Inputs: MEASURED on this machine (2 cores, Linux 6.1 tree of 78,579 files in 5,096
directories, page cache; see bench/RESULTS.md "Distributed walk") or ASSUMED for a cluster
(marked so in the output).  Every value can be changed on the command line.
"""
import argparse
import math
import sys

OUTPUT_RATE = 497e6  # bench/RESULTS.md "--output written by every rank"
OUTPUT_RATE_SRC = ("bench/output_ranks.sh: mpirun -np 2 mpsearch -j 1 --output F -e e linux: "
                   "2.67 GB in 7.14 s, less 1.77 s for the same search with -c (one printer "
                   "at a time, the baton)")

# name: (value, unit, source)
MEASURED = {
    "files_per_dir": (78579 / 5096, "files", "Linux 6.1 tree: 78,579 files / 5,096 directories"),
    "top_fraction": (25 / 5096, "", "Linux tree: the operand and its 24 subdirectories are "
                     "listed by rank 0 alone (TREE_DEPTH 2)"),
    "max_item_fraction": (374 / 5096, "", "Linux tree: the largest item, drivers/net, holds "
                          "374 of 5,096 directories"),
    "dir_overhead": (38e-6, "s", "walk_s at MPSEARCH_TEST_DIR_DELAY_US=1000, -np 1: 6.017 s "
                     "/ 5,096 directories - 1 ms (listing, timer overshoot)"),
    "file_cost": (9.2e-6, "s", "local walk of the cached tree: walk_s 0.726 s / 78,579 files"),
    "walk_eff": (0.80, "", "bench/walk_scaling.sh at 1 ms, -np 4: (5,096 x 1.038 ms / 4) "
                 "/ measured search phase, 2 cores shared by 4 ranks"),
    "startup_base": (0.33, "s", "mpirun -np 1/2/4 on a one-file directory: 352/369/435 ms, "
                     "fitted base"),
    "startup_per_rank": (0.027, "s", "same fit, slope per rank (one machine: launch of "
                         "oversubscribed local ranks)"),
    "gather_rate": (54e6, "B/s", "mpirun -np 2 mpsearch -j 1 -e e linux | cat: 2.67 GB of "
                    "output in 51.2 s, less 1.85 s for the same search with -c"),
    "output_rate": (OUTPUT_RATE, "B/s", OUTPUT_RATE_SRC),
    "scan_rate": (2.2e9, "B/s", "local -j 2 PM_RESUME on the cached tree: 1.30 GB in 0.59 s "
                  "(a node of 2 cores; a parallel file system is slower: see pfs_bw)"),
    "out_line_bytes": (125, "B", "-e e output: 2.67 GB / 21.4 M lines (path prefix and line)"),
    "line_bytes": (36.4, "B", "Linux tree: 1.30 GB / 35.7 M lines"),
}
ASSUMED = {
    "imbalance": (0.05, "", "max/mean - 1 of bytes per rank (t_mpi_cluster checks <= 0.2)"),
    "tree_slow": (250e-6, "s", "mean listing time from which directories are handed out "
                  "(src/run_int.h TREE_SLOW_DIR_S; a setting, not a measurement)"),
    "pfs_bw": (200e9, "B/s", "aggregate parallel file-system read bandwidth"),
}


def si(x, unit=""):
    for f, p in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= f:
            return "%.3g %s%s" % (x / f, p, unit)
    if 0 < abs(x) < 1e-3:
        return "%.3g u%s" % (x * 1e6, unit)
    if 0 < abs(x) < 1:
        return "%.3g m%s" % (x * 1e3, unit) if unit == "s" else "%.3g %s" % (x, unit)
    return "%.3g %s" % (x, unit)


def parts(p, n, out_bytes):
    dirs = p.files / p.files_per_dir
    dir_cost = p.dir_latency + p.dir_overhead
    c = {"startup": p.startup_base + p.startup_per_rank * n,
         "walk_top": p.top_fraction * dirs * dir_cost,
         "max_item": p.max_item_fraction * dirs * dir_cost,
         "gather": out_bytes / (p.output_rate if p.to_file else p.gather_rate)}
    items = (1 - p.top_fraction) * dirs * dir_cost + p.files * p.file_cost
    spread = dir_cost + p.files_per_dir * p.file_cost >= p.tree_slow
    c["walk_par"] = items / (n * p.walk_eff) if spread else 0.0
    c["walk_rank0"] = 0.0 if spread else items
    if not spread:
        c["max_item"] = 0.0  # no items: rank 0 lists them all
    c["search"] = (1 + p.imbalance) * p.data_bytes / min(n * p.scan_rate, p.pfs_bw)
    return c


def total(c):
    return c["startup"] + c["walk_top"] + max(c["walk_par"], c["max_item"], c["walk_rank0"],
                                              c["search"], c["gather"])


def binds_at(p, out_bytes, name, nodes):
    """The first node count where serial part `name` is as long as the parallel part."""
    for n in nodes:
        c = parts(p, n, out_bytes)
        if c[name] >= max(c["walk_par"], c["search"]):
            return n
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-bytes", type=float, default=100e9, help="corpus bytes (100e9)")
    ap.add_argument("--files", type=float, default=10e6, help="files (10e6)")
    ap.add_argument("--max-nodes", type=int, default=1024)
    ap.add_argument("--dir-latency", type=float, action="append",
                    help="metadata latency per directory listing, s; repeat for several "
                         "(default 0, 1e-4 and 1e-3: page cache, a fast and a busy metadata "
                         "server, the test switch's 0 / 100 / 1000 us)")
    ap.add_argument("--match-fraction", type=float, action="append",
                    help="fraction of lines printed; repeat (default 0 (few matches) and 0.01)")
    for k, (v, unit, src) in list(MEASURED.items()) + list(ASSUMED.items()):
        ap.add_argument("--" + k.replace("_", "-"), type=float, default=v,
                        help="%s (%s)" % (src, si(v, unit)))
    ap.add_argument("--to-file", action="store_true",
                    help="results written with --output FILE (every rank prints its rounds "
                         "into the file: output_rate) instead of standard output through "
                         "rank 0 (gather_rate)")
    ap.add_argument("--markdown", default=None, help="also write the output here")
    p = ap.parse_args()
    lats = p.dir_latency or [0.0, 1e-4, 1e-3]
    fracs = p.match_fraction or [0.0, 0.01]
    nodes = [2 ** i for i in range(int(math.log2(p.max_nodes)) + 1)]

    lines = []
    out = lines.append
    out("# mpsearch strong-scaling model: %s in %s files, distributed walk, results %s\n"
        % (si(p.data_bytes, "B"), si(p.files),
           "written by every rank (--output)" if p.to_file else "through rank 0 (stdout)"))
    out("| input | value | source |")
    out("|---|---:|---|")
    for table, kind in ((MEASURED, "measured"), (ASSUMED, "assumed")):
        for k, (v, unit, src) in table.items():
            val = getattr(p, k)
            out("| %s | %s | %s: %s |" % (k, si(val, unit), kind if val == v else "given",
                                         src))
    out("")
    lines_total = p.data_bytes / p.line_bytes
    for frac in fracs:
        out_bytes = frac * lines_total * p.out_line_bytes if frac else 100 * p.out_line_bytes
        what = "few matches (100 lines)" if not frac else "%g%% of lines match (%s of output)" % (
            100 * frac, si(out_bytes, "B"))
        for lat in lats:
            p.dir_latency = lat
            t1 = total(parts(p, 1, out_bytes))
            out("## %s, %s per directory listing\n" % (what, si(lat, "s") if lat else "0 s"))
            out("| nodes | time s | speed-up | walk_top | walk_par | max_item | walk_rank0 | search "
                "| gather | startup | limit |")
            out("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for n in nodes:
                if n not in (1, 2, 4, 8, 16, 32, 64, 128, 256, 1024):
                    continue
                c = parts(p, n, out_bytes)
                t = total(c)
                lim = max(("walk_par", "max_item", "walk_rank0", "search", "gather"),
                          key=lambda k: c[k])
                out("| %d | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |" % (
                    n, t, t1 / t, c["walk_top"], c["walk_par"], c["max_item"], c["walk_rank0"],
                    c["search"], c["gather"], c["startup"], lim))
            b = []
            names = ("max_item", "walk_top", "gather", "startup")
            if parts(p, 1, out_bytes)["walk_rank0"]:
                names = ("walk_rank0",) + names
            for name in names:
                at = binds_at(p, out_bytes, name, nodes)
                b.append("%s from %s" % (name, "%d nodes" % at if at else
                                         "never up to %d nodes" % nodes[-1]))
            out("\nSerial parts bind: " + "; ".join(b) + ".\n")
    out("A part binds from the node count where it is as long as the parallel part "
        "(items listed in parallel, or the search). max_item: the largest subtree two levels "
        "down, handed out before the last items (which rank 0 splits), is listed by one rank "
        "(no stealing from a rank that is listing); walk_top: "
        "rank 0 lists the top two levels alone; walk_rank0: a listing faster than tree_slow "
        "keeps the whole walk on rank 0; gather: every printed line passes rank 0 "
        "through mpirun's standard output (with --to-file: the ranks print in turn into "
        "the --output file); startup: mpirun and MPI_Init.")
    text = "\n".join(lines) + "\n"
    print(text)
    if p.markdown:
        with open(p.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
