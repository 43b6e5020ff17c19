#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# demo.sh - the main job: build (if needed: in a checkout; an installation has its programs), run the original lesson's activities in C, and print a
# table that compares each run with its ideal time.
set -euo pipefail
MT_SCRIPT=demo.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/demo.sh [OPTION]...
Build the suite if needed, then run the lesson's activities and compare each with its ideal time.

  --delay SECONDS   work per item (default 0.1, as the original)
  --mpi LIBRARY     openmpi (default) or mpich: build against it (in build-mpich/) and launch with it
                    (a checkout only: installed, the programs keep the MPI they were built with)
  --out DIR         where the three pictures go (default: out/pictures in a checkout, pictures/ in
                    the current folder when installed)
  -h, --help        this help

Environment: BUILD_DIR (default build/; a checkout only: installed, the programs are the installation's).
USAGE
}

delay=0.1 mpi=openmpi mpi_given=0 out=$(mt_default_out "$MT_ROOT/out/pictures" pictures)
while [ $# -gt 0 ]; do
  case $1 in
    --delay) mt_need "${2:-}" "--delay needs seconds"; delay=$2; shift 2 ;;
    --out) mt_need "${2:-}" "--out needs a folder"; out=$(mt_path "$2"); shift 2 ;;
    --mpi) mt_need "${2:-}" "--mpi needs openmpi or mpich"; mpi=$2 mpi_given=1; shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see scripts/demo.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see scripts/demo.sh --help)" 2 ;;
  esac
done

# Every value checked before anything is installed or built.
mt_check_seconds "$delay" --delay positive
mt_check_mpi "$mpi"
[ "$MT_INSTALLED" = 0 ] || [ "$mpi_given" = 0 ] ||
  mt_die "--mpi chooses the MPI of a checkout's build; installed, the programs keep the MPI they were built with" 2
mt_check_out_dir "$out" --out

mt_require build
mt_check_hosts_file
if [ "$mpi" = mpich ]; then
  mt_require mpich
  [ -n "$MT_BUILD_DIR_GIVEN" ] || BUILD_DIR=$MT_ROOT/build-mpich
fi
mapfile -t mpi_args < <(mt_mpi_cmake_args "$mpi")
mt_build "${mpi_args[@]}"
square_cube=$(mt_program square_cube) cube_omp=$(mt_program cube_omp)
download=$(mt_program download) cube_mpi=$(mt_program cube_mpi)

rows=()
mt_run_folder multitarefas-demo
work=$MT_RUN_DIR

# run_activity LABEL WORKERS COMMAND...: show the run as a student would see it, and keep its row. The
# run also writes its timeline (--timeline, not shown: it changes nothing of what the run prints), whose
# record of the run (otherData: wall_s, ideal_s) gives the row its time, ideal time and ratio.
run_activity() {
  local label=$1 workers=$2; shift 2
  local shown=("$@")
  shown=("${shown[@]#"$(dirname -- "$square_cube")"/}")
  shown=("${shown[@]#"$(dirname -- "$cube_mpi")"/}")
  [ "${shown[0]}" = mt_mpirun ] && shown=("$(basename -- "$(mt_mpiexec)")" -n "${shown[1]}" "${shown[@]:2}")
  printf '\n== %s\n$ %s\n' "$label" "${shown[*]}"
  local out=$work/run.out err=$work/run.err trace=$work/run.json
  rm -f -- "$trace"
  "$@" --timeline "$trace" >"$out" 2>"$err" || { cat -- "$out" "$err"; mt_die "$label failed"; }
  cat -- "$out" "$err"
  local time ideal ratio=""
  time=$(mt_record field "$trace" otherData.wall_s --format %.6f)
  ideal=$(mt_record field "$trace" otherData.ideal_s --default "")
  if [ -n "$ideal" ]; then
    ratio=$(mt_record ratio "$time" "$ideal" --digits 3)
    ideal=$(mt_record field "$trace" otherData.ideal_s --format %.4f)
  fi
  rows+=("$(printf '%-40s %7s %10s %9s %7s' "$label" "$workers" "$time" "${ideal:--}" "${ratio:--}")")
}

echo "multitarefas: the lesson's activities in C (work per item: sleep $delay s)"
run_activity "1  seq: squares, then cubes" 1 "$square_cube" --mode seq --delay "$delay"
run_activity "2  sections: two threads" 2 "$square_cube" --mode sections -t 2 --delay "$delay"
run_activity "2+ tasks: one task per item and op" 8 "$square_cube" --mode tasks -t 8 --delay "$delay"
# Activity 3: the original's 30 downloads (6 images x 5) from the project's loopback image server, which
# answers each request after $delay s, as a distant server would. No internet needed; stopped at the end.
if [ -x "$download" ]; then
  mt_image_server "$work" --latency "$delay" --list-file "$work/list.txt"
  run_activity "3  download: 30 files, 1 job" 1 "$download" -j 1 -o "$work/files" -i "$work/list.txt"
  run_activity "3  download: tasks, 8 jobs" 8 "$download" -j 8 -o "$work/files" -i "$work/list.txt"
  run_activity "3  download: multi, 1 thread, 8 at once" 8 "$download" --mode multi -j 8 \
    -o "$work/files" -i "$work/list.txt"
  mt_stop_background
else
  echo; echo "(activity 3 left out: download is not built; it needs libcurl)"
fi
run_activity "4  cube_omp: a parallel loop" 2 "$cube_omp" -t 2 --delay "$delay"
if [ -x "$cube_mpi" ]; then
  reason=$(mt_mpirun_reason 4)
  [ -z "$reason" ] || printf '\n(mpirun gets %s)\n' "$reason"
  run_activity "4  cube_mpi: 4 ranks, Scatterv" 4 mt_mpirun 4 "$cube_mpi" -t 1 --delay "$delay"
else
  echo; echo "(cube_mpi is not built: configured without MPI)"
fi

printf '\n%-40s %7s %10s %9s %7s\n' activity workers time_s ideal_s ratio
printf '%s\n' "${rows[@]}"
echo
echo "ratio = time / ideal; 1.00 is the best the model allows. The lines of 2 and 2+ interleave: they"
echo "print as items complete. Add --ordered to print in input order, --json or --csv for the record."
echo "Activity 3 waits on the network: 8 threads, or one thread with 8 transfers in flight, take the same"
echo "time (concurrency without parallelism is enough for I/O-bound work)."
echo "Activity 4 maps the cube over the list: on threads (cube_omp) and on MPI ranks (cube_mpi), which"
echo "the Python original's Pool.starmap meant to do (it raises TypeError on a flat list)."

echo
echo "The lesson's three pictures (concurrency, parallelism, concurrent parallelism), drawn from runs on"
echo "this machine; each .png has its trace beside it (.json, opens in https://ui.perfetto.dev):"
BUILD_DIR=$BUILD_DIR "$MT_ROOT/scripts/pictures.sh" --out "$out" | sed 's/^/  /'
