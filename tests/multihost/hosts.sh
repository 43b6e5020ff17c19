#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# hosts.sh - two hosts on one machine, for multi-host MPI tests: two network namespaces joined by a
# veth pair, with private addresses that exist only inside them (10.77.0.1 and 10.77.0.2 by default),
# and a launch agent that stands in for ssh: it runs a command "on" an address by entering that
# host's namespace with its own hostname (namespaces share one kernel and hostname otherwise, and
# the MPI library would take the two for one node). The launcher's flags are written for the MPI at
# hand: Open MPI (mpirun's launch agent, TCP only) or MPICH's Hydra (its ssh launcher run through the
# agent); exit 2 for any other launcher. Needs root, ip (iproute2) and unshare (util-linux).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tests/multihost/hosts.sh up DIR [--slots A,B] [--launcher MPIEXEC]
                                  make the two hosts; write DIR/agent.sh, DIR/hosts, DIR/hostfile, DIR/launcher
                                  (the launcher's path), DIR/kind (openmpi or hydra) and DIR/mpirun-flags (one
                                  flag a line, in that launcher's syntax); MPIEXEC defaults to MT_MPIEXEC, else mpiexec;
                                  none: the hosts alone (no flags, kind none)
       tests/multihost/hosts.sh down DIR               remove them (safe to repeat; always call it)
       tests/multihost/hosts.sh run DIR N COMMAND...   run COMMAND on host N (1 or 2), e.g. mpirun
Environment: MT_NETNS_PREFIX (default mt-host: namespaces mt-host1, mt-host2), MT_NETNS_SUBNET
(default 10.77.0: addresses .1 and .2, /24). Launch from host 1:
  hosts.sh run DIR 1 $(cat DIR/launcher) $(cat DIR/mpirun-flags) -n 2 build/mpi/cube_mpi --explain
USAGE
}

prefix=${MT_NETNS_PREFIX:-mt-host}
subnet=${MT_NETNS_SUBNET:-10.77.0}
iface=mtnet0 # the veth end's name in each namespace
action=${1:-}
dir=${2:-}
case $action in -h|--help) usage; exit 0 ;; esac
if [ -z "$action" ] || [ -z "$dir" ]; then usage >&2; exit 2; fi

case $action in
  up)
    shift 2
    slots="1,1" launcher=${MT_MPIEXEC:-mpiexec} kind=""
    while [ $# -gt 0 ]; do
      case $1 in
        --slots) slots=${2:?--slots needs A,B}; shift 2 ;;
        --launcher) launcher=${2:?--launcher needs a path}; shift 2 ;;
        *) echo "hosts.sh: unknown option '$1'" >&2; exit 2 ;;
      esac
    done
    if [ "$launcher" = none ]; then kind=none
    else
      launcher=$(command -v "$launcher") || { echo "hosts.sh: no MPI launcher $launcher" >&2; exit 2; }
      version=$("$launcher" --version 2>&1 || true)
    fi
    if [ "$kind" = none ]; then :
    elif [[ $version == *"Open MPI"* || $version == *OpenRTE* ]]; then kind=openmpi
    elif [[ $version == *HYDRA* ]]; then kind=hydra
    else
      echo "hosts.sh: $launcher is neither Open MPI's mpirun nor MPICH's Hydra: no flags for it" >&2
      exit 2
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Each recorded as soon as it is made, so that down removes whatever up made even if up fails half
    # way, and nothing else: a namespace of the same name that exists already is another run's.
    : >"$dir/namespaces"
    for n in 1 2; do
      ip netns add "$prefix$n"
      echo "$prefix$n" >>"$dir/namespaces"
    done
    # The two ends of the veth pair have one name, each in its own namespace, as the network interface
    # of every node of a cluster has: a launcher told to use it (Hydra's -iface) finds it on both hosts.
    ip link add "${prefix}v1" netns "${prefix}1" type veth peer name "${prefix}v2" netns "${prefix}2"
    for n in 1 2; do
      ip -n "$prefix$n" link set "${prefix}v$n" name "$iface"
      ip -n "$prefix$n" link set lo up
      ip -n "$prefix$n" addr add "$subnet.$n/24" dev "$iface"
      ip -n "$prefix$n" link set "$iface" up
    done
    # A new veth pair takes a moment to carry packets; MPI libraries that list the interfaces at start
    # (UCX) leave out one that is not yet up, and would find no way to the other host.
    for n in 1 2; do
      for _ in $(seq 100); do
        [[ $(ip -n "$prefix$n" link show "$iface") == *"state UP"* ]] && break
        sleep 0.1
      done
      [[ $(ip -n "$prefix$n" link show "$iface") == *"state UP"* ]] ||
        { echo "hosts.sh: $iface on $prefix$n did not come up in 10 s" >&2; exit 1; }
    done
    printf '%s.1 %s1\n%s.2 %s2\n' "$subnet" "$prefix" "$subnet" "$prefix" >"$dir/hosts"
    # The agent: called by the launcher as "agent [OPTION]... HOST COMMAND...", like ssh.
    # The agent reads the hosts file beside it: nothing of this run is pasted into its code.
    cat >"$dir/agent.sh" <<'AGENT'
#!/bin/sh
# The launch agent for the namespace hosts (in place of ssh): HOST is an address or a name of the hosts file
# beside this one.
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
host=$1; shift
ns=$(awk -v h="$host" '$1 == h || $2 == h { print $2 }' "$(dirname "$0")/hosts")
[ -n "$ns" ] || { echo "agent.sh: unknown host $host" >&2; exit 255; }
exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$1" && shift && exec sh -c "$*"' sh "$ns" "$@"
AGENT
    chmod +x "$dir/agent.sh"
    echo "$launcher" >"$dir/launcher"
    echo "$kind" >"$dir/kind"
    if [ "$kind" = none ]; then
      : >"$dir/mpirun-flags"
    elif [ "$kind" = openmpi ]; then
      printf '%s.1 slots=%s\n%s.2 slots=%s\n' "$subnet" "${slots%,*}" "$subnet" "${slots#*,}" >"$dir/hostfile"
      # TCP only, on the veth subnet: shared memory (vader) would join ranks of the two hosts, which
      # share one /dev/shm; no tree spawn, so each orted is started by mpirun through the agent.
      printf '%s\n' --hostfile "$dir/hostfile" --mca plm_rsh_agent "$dir/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
        --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include "$subnet.0/24" \
        --mca oob_tcp_if_include "$subnet.0/24" >"$dir/mpirun-flags"
      if [ "$(id -u)" -eq 0 ]; then echo --allow-run-as-root >>"$dir/mpirun-flags"; fi
    else
      printf '%s.1:%s\n%s.2:%s\n' "$subnet" "${slots%,*}" "$subnet" "${slots#*,}" >"$dir/hostfile"
      # Hydra starts one proxy a host with its ssh launcher, here the agent, and its proxies call back
      # over the veth pair (-iface). Which transport the ranks use is left to MPICH: its UCX device may
      # take the two namespaces for one machine (one kernel) and use the shared memory they do share,
      # and forcing TCP would let it try the loopback address of the wrong host. What these tests
      # check does not depend on the wire: where each rank runs, and the two nodes MPICH makes of
      # Hydra's two hosts (MPI_COMM_TYPE_SHARED), each with its own window and leader.
      printf '%s\n' -f "$dir/hostfile" -launcher ssh -launcher-exec "$dir/agent.sh" -iface "$iface" >"$dir/mpirun-flags"
    fi
    ;;
  down)
    # Only what up recorded it made: namespaces of the same names may be another run's.
    names=()
    if [ -f "$dir/namespaces" ]; then mapfile -t names <"$dir/namespaces"; fi
    for ns in "${names[@]}"; do
      if ip netns list | awk -v ns="$ns" '$1 == ns { found = 1 } END { exit !found }'; then
        # Processes left in a namespace would keep it alive: end them first (they are this test's).
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns delete "$ns" || true
      fi
    done
    rm -f "$dir/namespaces"
    ;;
  run)
    n=${3:?hosts.sh run DIR N COMMAND...}
    shift 3
    [ $# -gt 0 ] || { echo "hosts.sh run: no command" >&2; exit 2; }
    # The namespaces up wrote (the prefix it was given), else the prefix of this call.
    ns=$prefix$n
    if [ -f "$dir/namespaces" ]; then ns=$(sed -n "${n}p" "$dir/namespaces"); fi
    [ -n "$ns" ] || { echo "hosts.sh run: no host $n in $dir" >&2; exit 2; }
    # shellcheck disable=SC2016 # expanded by the inner sh
    exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$ns" "$@"
    ;;
  *) usage >&2; exit 2 ;;
esac
