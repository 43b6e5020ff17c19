#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# pictures.sh - the lesson's three pictures (concurrency, parallelism, concurrent parallelism), drawn
# from real runs of the suite's programs with their --timeline and scripts/timeline-plot.sh.
set -euo pipefail
MT_SCRIPT=pictures.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/pictures.sh [--out DIR]
Run three programs with --timeline and draw each run as a Gantt chart (PNG), the pictures the
original lesson opens with, from real runs. A box is filled by the share of its time its thread
computed: concurrency shows as hollow boxes overlapping, parallelism as filled boxes side by side.
Each title keeps the run's time, ideal and ratio, the CPUs it kept busy, and other work when the
machine was busy:
  concurrency.png             download --mode multi -j 6: one thread, six transfers in flight
                              (the loopback image server, 0.1 s of latency per request)
  parallelism.png             square_cube --mode sections -t 2 --work spin: two threads busy at once
  concurrent-parallelism.png  square_cube --mode tasks -t 4 --work spin on 2 cores... or on however
                              many: more busy threads than cores, so the system interleaves them
                              (each item takes longer than its delay) while the cores run in parallel

  --out DIR    where the pictures and their timelines go (default docs/pictures in a checkout,
               pictures/ in the current folder when installed)
  -h, --help   this help
USAGE
}

out=$(mt_default_out "$MT_ROOT/docs/pictures" pictures)
while [ $# -gt 0 ]; do
  case $1 in
    --out) mt_need "${2:-}" "--out needs a folder"; out=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see scripts/pictures.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see scripts/pictures.sh --help)" 2 ;;
  esac
done

# Every value checked before anything is installed or built.
mt_check_out_dir "$out" --out

mt_require build plots
mt_build
mkdir -p -- "$out"
square_cube=$(mt_program square_cube) download=$(mt_program download)
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf -- "$work"
}
trap cleanup EXIT

# draw NAME CAPTION COMMAND...: run COMMAND with --timeline, then plot it under CAPTION (the title keeps the
# run's own numbers).
draw() {
  local name=$1 caption=$2; shift 2
  "$@" --timeline "$out/$name.json" --quiet >/dev/null
  "$MT_ROOT/scripts/timeline-plot.sh" "$out/$name.json" -o "$out/$name.png" --caption "$caption" >/dev/null
  echo "$out/$name.png"
}

if [ -x "$download" ] && [[ $("$download" --help) == *--timeline* ]]; then
  "$(mt_python)" "$MT_ROOT/scripts/image_server.py" --latency 0.1 --port-file "$work/port" \
    --list-file "$work/urls.txt" >/dev/null &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/urls.txt" ] && break; sleep 0.1; done
  [ -s "$work/urls.txt" ] || mt_die "the image server did not start"
  draw concurrency "Concurrency (download --mode multi -j 6): one thread, 6 transfers at once, hollow: waiting" \
    "$download" --mode multi -j 6 -i "$work/urls.txt" -o "$work/files"
else
  mt_say "concurrency.png left out: download is not built (configured without libcurl)"
fi
draw parallelism "Parallelism (square_cube --mode sections -t 2 --work spin): two threads computing at once, filled" \
  "$square_cube" --mode sections -t 2 --work spin --delay 0.05
mt_say "concurrent parallelism: $((2 * MT_NPROC)) busy threads on $MT_NPROC cores on purpose; square_cube warns that they share CPUs"
draw concurrent-parallelism \
  "Concurrent parallelism (square_cube --mode tasks -t $((2 * MT_NPROC)) --work spin, $MT_NPROC cores): turns, part filled" \
  "$square_cube" --mode tasks -t $((2 * MT_NPROC)) --work spin --delay 0.05
