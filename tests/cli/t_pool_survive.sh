#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A pool that survives its helper: killing the zygote (the process that
# forks the workers) mid-search gives the full output and exit 0 (a new
# zygote is started in a local run; under MPI the workers left go on); a
# worker killed after that too; a caller that ignores SIGINT passes that
# on to every process; -j 700 starts and finishes; a fork refused by
# RLIMIT_NPROC, or a pipe by RLIMIT_NOFILE, is reported with exit 2, not a
# hang.  The units are slowed
# down (MPSEARCH_TEST_SLOW_MS) so that every kill lands mid-search.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir d
for i in $(seq 1 40); do
	seq 1 500 | sed "s/^/needle $i /" > "d/f$i"
done
"$MPS" -rn needle d > ref
grep -rn needle d | sort > g
sort ref | cmp -s - g && ok || fail "reference run differs from grep"

# children PID: the processes whose parent is PID
children() {
	pgrep -P "$1" | tr '\n' ' '
}

# start_slow OUT ARGS...: mpsearch in the background, 60 ms a unit; sets
# $pid, and $zygote once its workers are up
start_slow() {
	local out=$1
	shift
	MPSEARCH_TEST_SLOW_MS=60 "$MPS" "$@" > "$out" 2> "$out.err" &
	pid=$!
	zygote=
	for _ in $(seq 100); do
		zygote=$(pgrep -P "$pid" | head -1)
		[ -n "$zygote" ] && [ -n "$(children "$zygote")" ] && return 0
		sleep 0.05
	done
	fail "no zygote with workers under $pid"
}

# ---- 1. the zygote killed mid-search: a new one, full output ----
start_slow got -j 2 -rn needle d
workers=$(children "$zygote")
kill -9 "$zygote"
newz=
for _ in $(seq 40); do
	newz=$(pgrep -P "$pid" | head -1)
	[ -n "$newz" ] && [ "$newz" != "$zygote" ] && break
	sleep 0.05
done
[ -n "$newz" ] && [ "$newz" != "$zygote" ] && ok || fail "no new zygote after the first was killed"
# the workers outlived their zygote
alive=0
for w in $workers; do kill -0 "$w" 2> /dev/null && alive=$((alive + 1)); done
[ "$alive" -ge 1 ] && ok || fail "the workers died with their zygote"
wait "$pid"
rc=$?
[ $rc = 0 ] && ok || fail "zygote killed: exit $rc ($(cat got.err))"
check_same "zygote killed: output" ref got

# ---- 2. then a worker killed too (one whose zygote is gone) ----
start_slow got2 -j 2 -rn needle d
workers=$(children "$zygote")
kill -9 "$zygote"
sleep 0.2
set -- $workers
kill -9 "$1"
wait "$pid"
rc=$?
[ $rc = 0 ] && ok || fail "zygote and worker killed: exit $rc ($(cat got2.err))"
check_same "zygote and worker killed: output" ref got2

# ---- 3. a caller that ignores SIGINT: so do the zygote and the workers ----
(
	trap '' INT
	MPSEARCH_TEST_SLOW_MS=60 exec "$MPS" -j 2 -rn needle d > got3 2> got3.err
) &
pid=$!
zygote=
for _ in $(seq 100); do
	zygote=$(pgrep -P "$pid" | head -1)
	[ -n "$zygote" ] && [ -n "$(children "$zygote")" ] && break
	sleep 0.05
done
ignored=0
for p in "$pid" "$zygote" $(children "$zygote"); do
	# SigIgn is a hex mask; SIGINT is bit 1
	mask=$(awk '/^SigIgn:/ { print $2 }' "/proc/$p/status")
	[ $((0x$mask & 2)) = 2 ] && ignored=$((ignored + 1))
done
[ "$ignored" = 4 ] && ok || fail "SIGINT ignored by $ignored of 4 processes"
kill -INT "$pid" "$zygote" $(children "$zygote")
wait "$pid"
rc=$?
[ $rc = 0 ] && ok || fail "trap '' INT: exit $rc ($(cat got3.err))"
check_same "trap '' INT: output" ref got3

# ---- 4. -j 700 starts and finishes (spawning never fills the socket) ----
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 800 ]; then
	echo "# -j 700 skipped: ulimit -n is $(ulimit -n)"
else
	timeout 120 "$MPS" -j 700 -rn needle d > got4 2> got4.err
	rc=$?
	[ $rc = 0 ] && ok || fail "-j 700: exit $rc ($(head -c 300 got4.err))"
	check_same "-j 700: output" ref got4
fi

# ---- 5. a fork refused (RLIMIT_NPROC): a message and exit 2 ----
# root is not held to RLIMIT_NPROC: run as nobody then
run_as=()
if [ "$(id -u)" = 0 ]; then
	run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	chmod 755 "$T"
	chmod -R a+rX d
	"${run_as[@]}" test -x "$MPS" || run_as=()
fi
if [ "$(id -u)" = 0 ] && [ ${#run_as[@]} = 0 ]; then
	echo "# nproc skipped: nobody cannot run $MPS"
else
	used=$("${run_as[@]}" sh -c 'ps -u "$(id -u)" -L --no-headers | wc -l')
	for extra in 1 3 5; do
		timeout 60 "${run_as[@]}" prlimit --nproc=$((used + extra)) "$MPS" -j 8 -rn needle d \
			> got5 2> got5.err
		rc=$?
		[ $rc = 2 ] && ok || fail "nproc +$extra: exit $rc, want 2"
		grep -q "Resource temporarily unavailable" got5.err && ok ||
			fail "nproc +$extra: no cause given: $(head -c 300 got5.err)"
	done
fi

# ---- 5b. a pipe refused (RLIMIT_NOFILE): a message and exit 2 ----
timeout 60 prlimit --nofile=16 "$MPS" -j 16 -rn needle d > got5b 2> got5b.err
rc=$?
[ $rc = 2 ] && ok || fail "nofile 16, -j 16: exit $rc, want 2"
grep -q "Too many open files" got5b.err && ok || fail "nofile: no cause given: $(head -c 300 got5b.err)"

# ---- 6. under MPI: the zygote is not replaced, the workers go on ----
if [ -n "${MPIEXEC:-}" ] && command -v "$MPIEXEC" > /dev/null; then
	MPSEARCH_TEST_SLOW_MS=60 "$MPIEXEC" ${MPIEXEC_NUMPROC_FLAG:--np} 1 "$MPS" -j 2 -rn needle d \
		> got6 2> got6.err &
	mpid=$!
	rank=
	for _ in $(seq 200); do
		rank=$(pgrep -o -f "^$MPS -j 2 -rn needle d")
		z=${rank:+$(pgrep -P "$rank" | head -1)}
		[ -n "$z" ] && [ -n "$(children "$z")" ] && break
		sleep 0.05
	done
	# MPI is up when rank 0 prints (results are printed after MPI_Init)
	for _ in $(seq 200); do
		[ -s got6 ] && break
		sleep 0.05
	done
	[ -s got6 ] && ok || fail "MPI: no output while searching"
	[ -n "$z" ] && ok || fail "MPI: no zygote found"
	[ -n "$z" ] && kill -9 "$z" && ok || fail "MPI: the zygote was gone before it could be killed"
	sleep 0.3
	again=$([ -n "$rank" ] && pgrep -P "$rank" | grep -v "^$z\$" | head -1)
	wait "$mpid"
	rc=$?
	[ $rc = 0 ] && ok || fail "MPI, zygote killed: exit $rc ($(head -c 300 got6.err))"
	check_same "MPI, zygote killed: output" ref got6
	[ -z "$again" ] || [ "$(cat /proc/"$again"/comm 2> /dev/null)" != mpsearch ] && ok ||
		fail "MPI: a new zygote was forked after MPI_Init"
fi

done_testing
