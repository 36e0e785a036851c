#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Deterministically generate the `small` and `skew` benchmark corpora.

Both are made of slices of a source text (the `big` corpus: the linux tree's
.c/.h/.rst/.txt files concatenated in sorted path order).  Slices start and end
on line boundaries.  The same --seed and source always give byte-identical output.

  small:  N files, sizes uniform in [min, max] bytes, laid out as
          OUT/dNNN/sNN/fNNNNNN.txt (2-level directory tree, 100 files per leaf).
  skew:   OUT/huge.txt (the first --big-size bytes of the source, cut at a line
          boundary, repeating the source if needed) plus N small files as above
          under OUT/small/.
"""
import argparse
import mmap
import os
import random
import sys

FILES_PER_LEAF = 100
LEAVES_PER_TOP = 20


def slice_at_lines(buf, offset, size):
    """Return (start, end) of a slice of about `size` bytes at line boundaries."""
    n = len(buf)
    start = offset
    if start > 0:
        nl = buf.find(b"\n", start - 1)
        start = n if nl < 0 else nl + 1
    if start >= n:
        start = 0
    end = min(start + size, n)
    if end < n:
        nl = buf.rfind(b"\n", start, end)
        if nl >= start and nl + 1 - start >= size // 2:
            end = nl + 1
    return start, end


def small_files(buf, out, count, min_size, max_size, seed):
    rng = random.Random(seed)
    n = len(buf)
    total = 0
    made_dirs = set()
    for i in range(count):
        size = rng.randint(min_size, max_size)
        offset = rng.randrange(0, max(1, n - max_size))
        start, end = slice_at_lines(buf, offset, size)
        top = i // (FILES_PER_LEAF * LEAVES_PER_TOP)
        leaf = (i // FILES_PER_LEAF) % LEAVES_PER_TOP
        d = os.path.join(out, "d%03d" % top, "s%02d" % leaf)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        with open(os.path.join(d, "f%06d.txt" % i), "wb") as f:
            f.write(buf[start:end])
        total += end - start
        if (i + 1) % 50000 == 0:
            print("  %d/%d files" % (i + 1, count), file=sys.stderr)
    return total


def huge_file(buf, path, size):
    n = len(buf)
    written = 0
    with open(path, "wb") as f:
        while written < size:
            want = size - written
            if want >= n:
                f.write(buf)
                written += n
                continue
            cut = buf.rfind(b"\n", 0, want)
            end = want if cut < 0 else cut + 1
            f.write(buf[:end])
            written += end
            break
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["small", "skew"])
    ap.add_argument("--source", required=True, help="source text file (big corpus)")
    ap.add_argument("--out", required=True, help="output directory (must not exist)")
    ap.add_argument("--files", type=int, default=200000)
    ap.add_argument("--min-size", type=int, default=1024)
    ap.add_argument("--max-size", type=int, default=8192)
    ap.add_argument("--big-size", type=int, default=1000000000,
                    help="size of the huge file for the skew corpus (bytes)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    os.makedirs(a.out)
    with open(a.source, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if a.kind == "small":
        total = small_files(buf, a.out, a.files, a.min_size, a.max_size, a.seed)
    else:
        total = huge_file(buf, os.path.join(a.out, "huge.txt"), a.big_size)
        total += small_files(buf, os.path.join(a.out, "small"), a.files,
                             a.min_size, a.max_size, a.seed)
    print("  wrote %d bytes" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
