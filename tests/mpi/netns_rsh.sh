#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# netns_rsh.sh - an "ssh" for Open MPI's rsh launcher that reaches the fake
# hosts of tests/mpi/netns_hosts.sh, i.e. network namespaces on this machine.
#
# Open MPI calls it as:   netns_rsh.sh [ssh options] HOST COMMAND WORDS...
# (mpirun --mca plm_rsh_agent /abs/path/netns_rsh.sh ...).
#
# - ssh-style options before HOST are skipped (with their argument where ssh
#   takes one), as is a "--" separator.
# - HOST is 198.18.0.N, hN, or the full namespace name; it maps to the
#   namespace "${MPS_NETNS_TAG}-hN" (MPS_NETNS_TAG is exported by the
#   harness and reaches us through mpirun's environment).
# - COMMAND WORDS are joined with spaces and run by /bin/sh, exactly as ssh
#   would hand them to the remote login shell.
# - The command runs inside the namespace in a fresh UTS namespace whose
#   hostname is hN, so every fake host has its own name.
# - Like ssh, the remote side does NOT inherit the caller's environment: it
#   gets a small login-like environment (PATH, HOME, USER, LANG, SHELL) plus
#   OMPI_ALLOW_RUN_AS_ROOT*. Anything else an MPI program needs must travel
#   via `mpirun -x VAR` or MCA parameters, as on a real cluster.
#   Set MPS_NETNS_RSH_INHERIT_ENV=1 to pass the full environment instead.
# - MPS_NETNS_RSH_LOG=FILE appends one line per invocation (debugging).
#
# When the remote command ends, this script ends with its status (all the
# steps below exec), so mpirun sees the "ssh" die exactly when orted dies.

set -u

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 255; }   # 255 = ssh's own error status

# --- skip ssh-style options -------------------------------------------------
while [ $# -gt 0 ]; do
    case $1 in
        --) shift; break ;;
        # ssh options that take an argument, given separately or attached
        -[bcDEeFIiJLlmOopQRSWw])
            [ $# -ge 2 ] || die "option $1 needs an argument"
            shift 2 ;;
        -[bcDEeFIiJLlmOopQRSWw]?*) shift ;;
        # flag options (possibly bundled: -xq, -4T, ...)
        -?*) shift ;;
        *) break ;;
    esac
done

[ $# -ge 1 ] || die "usage: $prog [ssh options] host command..."
host=$1
shift
[ $# -ge 1 ] || die "no remote command given (interactive login not supported)"

tag=${MPS_NETNS_TAG:-}
[ -n "$tag" ] || die "MPS_NETNS_TAG is not set (run via tests/mpi/netns_hosts.sh)"

# --- host -> namespace --------------------------------------------------------
case $host in
    *@*) host=${host#*@} ;;        # user@host
esac
case $host in
    198.18.0.[0-9]*) n=${host#198.18.0.} ;;
    h[0-9]*) n=${host#h} ;;
    "$tag"-h[0-9]*) n=${host#"$tag"-h} ;;
    *) die "unknown host '$host' (expected 198.18.0.N, hN or $tag-hN)" ;;
esac
case $n in
    ''|*[!0-9]*) die "bad host '$host'" ;;
esac
ns="$tag-h$n"
hn="h$n"

if [ ! -e "/run/netns/$ns" ] && [ ! -e "/var/run/netns/$ns" ]; then
    die "namespace $ns for host $host does not exist"
fi

cmd="$*"

if [ -n "${MPS_NETNS_RSH_LOG:-}" ]; then
    printf '%s %s -> %s: %s\n' "$(date +%T.%N)" "$host" "$ns" "$cmd" \
        >>"$MPS_NETNS_RSH_LOG" 2>/dev/null || true
fi

# --- environment of the "remote login" --------------------------------------
if [ "${MPS_NETNS_RSH_INHERIT_ENV:-0}" = 1 ]; then
    envcmd=(env)
else
    envcmd=(env -i
        "PATH=${PATH:-/usr/local/bin:/usr/bin:/bin}"
        "HOME=${HOME:-/root}"
        "USER=${USER:-$(id -un)}"
        "LOGNAME=${LOGNAME:-$(id -un)}"
        "LANG=${LANG:-C}"
        "SHELL=/bin/sh")
    # Needed for running Open MPI as root (the harness runs as root).
    [ -n "${OMPI_ALLOW_RUN_AS_ROOT:-}" ] &&
        envcmd+=("OMPI_ALLOW_RUN_AS_ROOT=$OMPI_ALLOW_RUN_AS_ROOT")
    [ -n "${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-}" ] &&
        envcmd+=("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=$OMPI_ALLOW_RUN_AS_ROOT_CONFIRM")
    # Keep the harness tag so a daemon spawning further daemons (tree spawn)
    # can still use this agent.
    envcmd+=("MPS_NETNS_TAG=$tag")
    [ -n "${MPS_NETNS_RSH_LOG:-}" ] &&
        envcmd+=("MPS_NETNS_RSH_LOG=$MPS_NETNS_RSH_LOG")
fi

# ip netns exec: enter the network namespace (and remount /sys for it);
# unshare --uts: private hostname; the inner sh sets it and execs the command
# through the (cleaned) environment and a fresh /bin/sh, like sshd would.
# shellcheck disable=SC2016
exec ip netns exec "$ns" unshare --uts /bin/sh -c \
    'hostname "$1" || exit 255; shift; exec "$@"' \
    netns_rsh "$hn" "${envcmd[@]}" /bin/sh -c "$cmd"
