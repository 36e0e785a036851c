#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Differential test against GNU grep on generated corpora, each query in
# LC_ALL=C or LC_ALL=C.UTF-8 (both programs in the same locale).
#
# For each seed (deterministic: Python's random.Random(seed)) a corpus is
# generated: words that include regex metacharacters (. * [ ] ( ) ^ $ \ + ?
# { } |), case variants, words glued to each other or to punctuation, lines
# made of one word (for -x), CRLF lines, empty lines, files without a final
# newline, empty files, a few files big enough to be split by
# --chunk-size 4K, binary files (a NUL byte in their first 4 KiB, where grep
# 3.8 sees it too).  Then random queries: one keyword, several -e, or -f;
# any of -i -w -x -v; line output (-n), -o, -c, -l, -L, -m, --json (its
# submatches compared with grep -o -n); any of -b, -T, -z, -I and -C NUM
# (0-2, line output); literal (the default, grep -F), the same keyword
# escaped for -E, or a random regular expression written both for -E and
# for -G (classes, '.', \w \s \< \>, groups with alternation, * + ? and
# intervals; no repeat nested in a repeat but '?').  Some lines are longer
# than 1,000 bytes, some hold UTF-8 (and some invalid UTF-8).  mpsearch runs in a
# rotating mode (default, -j 1, -j 4, --chunk-size 4K).  Sorted output and
# exit status must equal grep's; mpsearch's own order must already be
# sorted by path, then line number.  mpsearch -c lists only files with a
# count > 0, so grep's ":0" lines are dropped.  -o is never combined with
# -w (GNU grep -o -w loses the left context of every match after the first
# on a line; see the comment in the driver).
#
# Environment: MPSEARCH_DIFF_SEEDS (default "1 2 3"), MPSEARCH_DIFF_QUERIES
# (queries per seed, default 150), MPSEARCH_DIFF_KEEP=DIR (copy the corpora
# and pattern files there to rerun a failure by hand).  A failure prints
# the seed, the query, the patterns, the first differing lines, and the
# command lines (run in DIR/corpusSEED).
. "$(dirname "$0")/lib.sh"

SEEDS=${MPSEARCH_DIFF_SEEDS:-"1 2 3"}
QUERIES=${MPSEARCH_DIFF_QUERIES:-150}

python3 - "$MPS" "$T" "$QUERIES" $SEEDS <<'EOF'
import os, random, subprocess, sys

MPS, T, NQ = sys.argv[1], sys.argv[2], int(sys.argv[3])
SEEDS = [int(s) for s in sys.argv[4:]]
ENVS = {"C": dict(os.environ, LC_ALL="C"), "U": dict(os.environ, LC_ALL="C.UTF-8")}
ENV = ENVS["C"]
TIMEOUT = 60
passed = failed = 0

WORDS = [b"alpha", b"beta", b"gamma", b"delta", b"foo", b"bar", b"foobar", b"foo_bar",
         b"baz", b"qux", b"lorem", b"ipsum", b"x", b"y", b"z", b"a", b"aa", b"ab", b"abab",
         b"a.b", b"a*b", b"[x]", b"(y)", b"^start", b"end$", b"back\\slash", b"p+q", b"w?",
         b"{3}", b"c|d", b"{1,2}", b"dot.", b"*star", b"$dollar", b"^", b"$", b".", b"\\",
         b"[", b"]", b"(", b")", b"|", b"+", b"?", b"{", b"}", b"a.*b", b"\\n", b"\\(x\\)",
         b"PM_RESUME", b"pm_resume", b"Pm_Resume", b"x1", b"_x", b"x_", b"42", b"4.2",
         b"caf\xc3\xa9", b"\xff\xfe", b"\x80", b"\xc3\xa9cole", b"\xc3\x89COLE",
         b"na\xc3\xafve", b"\xc3\xa9hello", b"hello", b"xx", b"0", b"00", b"1000", b"aab"]
SEPS = [b" ", b" ", b" ", b"", b"_", b"-", b".", b"\t", b", ", b"::", b"/", b"  "]


def case_variant(rnd, w):
    r = rnd.random()
    if r < 0.7:
        return w
    if r < 0.8:
        return w.upper()
    if r < 0.9:
        return w.capitalize()
    return bytes(c ^ 0x20 if 65 <= (c & ~0x20) <= 90 and rnd.random() < 0.5 else c for c in w)


def make_line(rnd):
    r = rnd.random()
    if r < 0.06:
        return b""
    if r < 0.16:  # a line of one word (for -x)
        return case_variant(rnd, rnd.choice(WORDS))
    k = rnd.randint(1, 9)
    out = b""
    for i in range(k):
        if i:
            out += rnd.choice(SEPS)
        out += case_variant(rnd, rnd.choice(WORDS))
    if rnd.random() < 0.03:  # a long line (spans past 1,000 bytes)
        out = out + rnd.choice([b"y", b"x", b"0", b" "]) * rnd.randint(900, 1500) + \
            rnd.choice(WORDS) + rnd.choice([b"", b"xx", b"aab", b" 00"])
    if rnd.random() < 0.1:
        out = b" " + out
    if rnd.random() < 0.1:
        out = out + b" "
    return out


def make_corpus(seed, root):
    rnd = random.Random(seed)
    files = []
    nfiles = rnd.randint(25, 45)
    for f in range(nfiles):
        d = rnd.choice([b"", b"d1/", b"d2/", b"d1/sub/", b"d3/deeper/still/"])
        name = d + b"f%03d" % f + rnd.choice([b".txt", b"", b".c", b".log"])
        path = os.path.join(os.fsencode(root), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        r = rnd.random()
        if r < 0.05:
            n = 0
        elif r < 0.15:
            n = rnd.randint(800, 2500)  # split by --chunk-size 4K
        else:
            n = rnd.randint(1, 80)
        lines = [make_line(rnd) for _ in range(n)]
        eol = b"\r\n" if rnd.random() < 0.1 else b"\n"
        data = b""
        for l in lines:
            data += l + (b"\r\n" if rnd.random() < 0.05 else eol)
        if data and rnd.random() < 0.2:
            data = data.rstrip(b"\n")  # no final newline
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            data = b" " + data  # not a UTF-16 byte order mark (transcoded, as rg)
        if data and rnd.random() < 0.08:  # binary
            at = rnd.randrange(min(len(data), 4096))
            data = data[:at] + b"\0" + data[at:]
        with open(path, "wb") as fh:
            fh.write(data)
        files.append((name, lines))
    return rnd, files


def ere_escape(p, special=b".[]()*+?{}|^$\\"):
    out = b""
    for c in p:
        ch = bytes([c])
        if ch in special:
            out += b"\\" + ch
        else:
            out += ch
    return out


def bre_escape(p):
    return ere_escape(p, b".[]*^$\\")


def rx_atom(rnd, depth):
    """One atom as (ERE, BRE)."""
    r = rnd.random()
    if r < 0.3:
        w = rnd.choice(WORDS[:18] + [b"x", b"0", b"a", b"\xc3\xa9", b"_"])
        w = w[:rnd.randint(1, len(w))].decode("utf-8", "ignore").encode() or b"x"
        return ere_escape(w), bre_escape(w)
    if r < 0.42:
        return b".", b"."
    if r < 0.62:
        b = rnd.choice([b"[a-c]", b"[^ ]", b"[[:alpha:]]", b"[[:digit:]]", b"[x\xc3\xa9]",
                        b"[]a]", b"[^[:space:]]", b"[[:upper:]_]", b"[0-9]", b"[.]"])
        return b, b
    if r < 0.72:
        e = rnd.choice([b"\\w", b"\\W", b"\\s", b"\\S"])
        return e, e
    if depth < 1:
        a1, b1 = rx_expr(rnd, depth + 1)
        a2, b2 = rx_expr(rnd, depth + 1)
        return b"(" + a1 + b"|" + a2 + b")", b"\\(" + b1 + b"\\|" + b2 + b"\\)"
    return b"x", b"x"


def rx_expr(rnd, depth=0):
    ere, bre = b"", b""
    for _ in range(rnd.randint(1, 3)):
        a, b = rx_atom(rnd, depth)
        q = rnd.choice([b"", b"", b"", b"*", b"+", b"?", b"{1,3}", b"{2}", b"{,2}"])
        if depth:
            # inside a group only '?': repeats nested in repeats make
            # PCRE2's automaton keep a counter per start, cubic on the
            # long lines (a known limit, see the matcher), not what we test
            q = rnd.choice([b"", b"?"])
        bq = {b"": b"", b"*": b"*", b"+": b"\\+", b"?": b"\\?", b"{1,3}": b"\\{1,3\\}",
              b"{2}": b"\\{2\\}", b"{,2}": b"\\{,2\\}"}[q]
        ere += a + q
        bre += b + bq
    if depth == 0:
        r = rnd.random()
        if r < 0.1:
            ere, bre = b"^" + ere, b"^" + bre
        elif r < 0.2:
            ere, bre = ere + b"$", bre + b"$"
        elif r < 0.3:
            ere, bre = b"\\<" + ere + b"\\>", b"\\<" + bre + b"\\>"
    return ere, bre


def pick_pattern(rnd, files):
    r = rnd.random()
    if r < 0.45:
        return case_variant(rnd, rnd.choice(WORDS))
    if r < 0.65:  # a piece of some line
        cand = [l for _, ls in files for l in ls if l]
        if cand:
            l = rnd.choice(cand)
            a = rnd.randrange(len(l))
            b = min(len(l), a + rnd.randint(1, 10))
            p = l[a:b].replace(b"\r", b"")
            if p:
                return p
        return b"foo"
    if r < 0.8:  # a whole line (for -x)
        cand = [l for _, ls in files for l in ls if l]
        return rnd.choice(cand) if cand else b"foo"
    # two words glued
    return (case_variant(rnd, rnd.choice(WORDS)) + rnd.choice(SEPS) +
            case_variant(rnd, rnd.choice(WORDS)))


def json_as_o(text):
    """mpsearch --json's submatches as grep -o -n prints them."""
    import base64, json
    out = b""
    for line in text.split(b"\n"):
        if not line:
            continue
        msg = json.loads(line)
        if msg.get("type") != "match":
            continue
        d = msg["data"]
        def raw(o):
            return o["text"].encode("utf-8", "surrogateescape") if "text" in o else \
                base64.b64decode(o["bytes"])
        path = raw(d["path"])
        for sm in d["submatches"]:
            out += b"%s:%d:%s\n" % (path, d["line_number"], raw(sm["match"]))
    return out


def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, b"", b"timeout"


def report(seed, q, what, mcmd, gcmd, extra=""):
    global failed
    failed += 1
    shown = lambda c: " ".join(repr(x)[1:] if isinstance(x, bytes) else x for x in c)
    print("FAIL: seed %d query %d (LC_ALL=%s): %s\n  mpsearch: %s\n  grep:     %s%s"
          % (seed, q, ENV["LC_ALL"], what, shown(mcmd), shown(gcmd), extra), file=sys.stderr)


MODES = [[], ["-j1"], ["-j4"], ["--chunk-size", "4K"], ["-j4", "--chunk-size", "4K"]]

def valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def utf8_only(root):
    """A copy of the corpus without invalid UTF-8 (in a UTF-8 locale grep
    takes a file with an encoding error for a binary file)."""
    dst = root + "-utf8"
    for dirpath, _, names in os.walk(root):
        for n in names:
            src = os.path.join(dirpath, n)
            out = os.path.join(dst, os.path.relpath(src, root))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(src, "rb") as fh:
                data = fh.read()
            with open(out, "wb") as fh:
                fh.write(data.decode("utf-8", "ignore").encode("utf-8"))
    return dst


for seed in SEEDS:
    root = os.path.join(T, "corpus%d" % seed)
    rnd, files = make_corpus(seed, root)
    roots = {"C": root, "U": utf8_only(root)}
    for q in range(NQ):
        mode = MODES[q % len(MODES)]
        flags = [f for f in ("-i", "-w", "-x", "-v") if rnd.random() < 0.25]
        if "-x" in flags and "-w" in flags and rnd.random() < 0.5:
            flags.remove("-w")
        loc = rnd.choice(["C", "U"])
        ENV = ENVS[loc]
        cwd = roots[loc]
        out = rnd.choice(["lines", "lines", "lines", "-o", "-o", "-c", "-l", "-L", "-m",
                          "--json"])
        if out in ("-o", "--json") and "-v" in flags:
            out = "lines"
        # GNU grep -o -w checks each later match of a line with the text
        # before it cut off (the previous match is not its left context):
        # grep -ow '*star' prints '*star' from 'a*b*star' after 'a*b'
        # matched, but not alone.  mpsearch applies the rule as documented.
        if out in ("-o", "--json") and "-w" in flags:
            flags.remove("-w")
        npat = rnd.choice([1, 1, 1, 2, 3, 5])
        pats = [pick_pattern(rnd, files) for _ in range(npat)]
        how = rnd.choice(["arg", "-e", "-f"]) if npat == 1 else rnd.choice(["-e", "-f"])
        r = rnd.random()
        ere = r < 0.55
        syntax = []
        if r < 0.2:
            pats = [ere_escape(p) for p in pats]
            syntax = ["-E"]
        elif r < 0.55:
            # (GNU grep reads "$$" at the end of one BRE of a set as
            # two anchors, and of a lone BRE as '$' and an anchor)
            pairs = [rx_expr(rnd) for _ in range(npat)]
            pairs = [(e, b) for e, b in pairs if b"$$" not in b] or [(b"x", b"x")]
            # (and with -w and several expressions in a UTF-8 locale, grep
            # 3.8 drops empty-width word matches that each one alone finds)
            if "-w" in flags:
                pairs = pairs[:1]
            if rnd.random() < 0.5:
                pats, syntax = [e for e, _ in pairs], ["-E"]
            else:
                pats, syntax = [b for _, b in pairs], ["-G"]
        if loc == "U":
            # a pattern that is not UTF-8 matches only encoding errors in
            # grep, and these corpora have none (see utf8_only)
            pats = [p for p in pats if valid_utf8(p)] or [b"foo"]
        pargs = []
        if how == "arg" and not pats[0].startswith(b"-"):
            pargs = [pats[0]]
        elif how == "-f":
            pf = os.path.join(T, "pats-%d-%d" % (seed, q))
            with open(pf, "wb") as fh:
                fh.write(b"\n".join(pats) + b"\n")
            pargs = ["-f", pf]
        else:
            for p in pats:
                pargs += [b"-e", p]
        outflags = {"lines": ["-n"], "-o": ["-n", "-o"], "-c": ["-c"], "-l": ["-l"],
                    "-L": ["-L"], "-m": ["-n", "-m", str(rnd.randint(1, 3))],
                    "--json": ["-n", "-o"]}[out]
        mflags = outflags if out not in ("lines",) else []
        extra = [f for f in ("-b", "-T", "-z", "-I") if rnd.random() < 0.12]
        if out == "--json":
            mflags = ["--json"]
            extra = [f for f in extra if f == "-I"]
        # (not with -z: a "--\n" separator sticks to the record after it,
        # which depends on the order of files)
        if out == "lines" and rnd.random() < 0.15 and "-z" not in extra:
            extra += ["-C", str(rnd.randint(0, 2))]
        mcmd = [MPS] + mode + syntax + flags + extra + mflags + pargs + ["."]
        gcmd = ["grep", "-r"] + (syntax or ["-F"]) + flags + extra + outflags + pargs + ["."]
        ms, mo, me = run(mcmd, cwd)
        gs, go, ge = run(gcmd, cwd)
        if gs > 1:
            print("# seed %d query %d: grep failed (%d): %s" % (seed, q, gs, ge[:200]),
                  file=sys.stderr)
            continue
        if out == "--json" and ms <= 1:
            mo = json_as_o(mo)
        eol = b"\0" if "-z" in extra and out in ("lines", "-o", "-m") else b"\n"
        mlines = mo.split(eol)[:-1] if mo else []
        glines = go.split(eol)[:-1] if go else []
        # grep -r names files "./x"; mpsearch "./x" too for an operand "."
        if out == "-c":
            glines = [l for l in glines if not l.endswith(b":0")]
        ok = True
        if "-C" in extra:
            # a binary file that matches counts as output for grep's "--"
            # rule, so a "--" more or less depends on the order of files
            msep, gsep = mlines.count(b"--"), glines.count(b"--")
            mlines = [l for l in mlines if l != b"--"]
            glines = [l for l in glines if l != b"--"]
            if abs(msep - gsep) > (1 if b"binary file matches" in ge else 0):
                report(seed, q, "%d group separators, grep %d" % (msep, gsep), mcmd, gcmd)
                ok = False
        if ms != gs:
            report(seed, q, "exit %d, grep %d; stderr %r" % (ms, gs, me[:300]), mcmd, gcmd)
            ok = False
        if sorted(mlines) != sorted(glines):
            a, b = set(mlines), set(glines)
            extra = "".join("\n    only mpsearch: %r" % l for l in sorted(a - b)[:4])
            extra += "".join("\n    only grep:     %r" % l for l in sorted(b - a)[:4])
            if not (a - b or b - a):
                extra += "\n    same lines, different multiplicity"
            extra += "\n    patterns: %r" % pats
            report(seed, q, "output differs (%d vs %d lines)" % (len(mlines), len(glines)),
                   mcmd, gcmd, extra)
            ok = False
        elif out in ("lines", "-o", "-m", "--json") and "-C" not in extra:
            keys = []
            for l in mlines:
                path, num, _ = l.split(b":", 2)
                keys.append((path, int(num)))
            if keys != sorted(keys):
                report(seed, q, "mpsearch output not sorted by path, line", mcmd, gcmd)
                ok = False
        elif out in ("-c", "-l", "-L") and mlines != sorted(mlines):
            report(seed, q, "mpsearch file list not sorted", mcmd, gcmd)
            ok = False
        if ok:
            passed += 1

print("# differential: %d queries passed, %d failed (seeds %s, %d queries each)"
      % (passed, failed, " ".join(map(str, SEEDS)), NQ))
keep = os.environ.get("MPSEARCH_DIFF_KEEP")
if keep:
    import shutil
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(T, keep, symlinks=True)
    print("# corpora and pattern files kept in %s" % keep)
with open(os.path.join(T, "counts"), "w") as fh:
    fh.write("%d %d\n" % (passed, failed))
EOF
if [ -s "$T/counts" ]; then
	read -r p f <"$T/counts"
	COUNT=$((COUNT + p))
	FAILS=$((FAILS + f))
else
	fail "the differential driver did not finish"
fi
done_testing
