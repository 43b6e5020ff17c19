#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# peers.sh - side by side with peers (a benchmark, not a test): our programs next to the Python
# original's activities (threads, and the starmap corrected), mpi4py.futures' starmap where it is
# installed, and, for the downloads, curl -Z and aria2c (bench/download_bench.sh), in one run.
# Writes a markdown table of medians and ratios for the README.
set -euo pipefail
MT_SCRIPT=bench/peers.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/peers.sh [OPTION]...
Build if needed, then time each activity of the original lesson in our C programs and in its peers,
all in this one run, and write a markdown table: the median of R timed runs after one warm-up, and
each peer's time divided by ours (above 1: ours is faster).

  1   seq: square_cube --mode seq                 vs the original's atividade1 (Python)
  2   two threads: square_cube --mode sections    vs atividade2 (two threading.Thread), sleep work,
      and spin work (0.1 s of CPU an item): Python's threads take turns on the GIL, ours do not
  3   downloads: download                         vs curl -Z, aria2c and the original's threads
      (bench/download_bench.sh on the loopback image server; skipped until download is built)
  4   starmap, 2 workers: cube_omp -t 2, mpirun -np 2 cube_mpi
                                                  vs Pool(2).starmap (corrected) and mpi4py.futures
      and the bare map of 2^20 numbers (--work none) vs a Python loop, Pool(2).starmap, mpi4py

  --repeat R     timed runs of each (default 5)
  --items N      numbers of the bare map (default 1048576)
  --jobs N       transfers at once for the downloads (default 8)
  --no-download  leave the downloads out
  --out FILE     also write the table to FILE (default: BUILD_DIR/peers.md)
  -h, --help     this help

Times: each program's own clock (ours: the timed region of --json; Python: around the activity,
pool start included, as the original times it); the downloads: the wall time of each whole command.
As root on Debian it installs python3-mpi4py and aria2 when missing; elsewhere their rows are left out.
USAGE
}

repeat=5 items=1048576 jobs=8 downloads=1 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --items) mt_need "${2:-}" "--items needs a number"; items=$2; shift 2 ;;
    --jobs) mt_need "${2:-}" "--jobs needs a number"; jobs=$2; shift 2 ;;
    --no-download) downloads=0; shift ;;
    --out) mt_need "${2:-}" "--out needs a file"; out=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/peers.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/peers.sh --help)" 2 ;;
  esac
done
# Every value checked before anything is installed or built.
mt_check_count "$repeat" --repeat
mt_check_count "$items" --items
mt_check_count "$jobs" --jobs
out=${out:-$BUILD_DIR/peers.md}
mt_check_out_file "$out" --out

mt_require build
mt_build
bin=$BUILD_DIR
py=$(mt_python)

# The optional peers: installed as root on Debian, else their rows say why they are missing.
optional=()
"$py" -c 'import mpi4py' >/dev/null 2>&1 || optional+=(python3-mpi4py)
command -v aria2c >/dev/null 2>&1 || optional+=(aria2)
if [ ${#optional[@]} -gt 0 ] && mt_can_apt; then
  mt_say "Installing the peers: ${optional[*]}"
  mt_apt_install "${optional[@]}" || mt_say "warning: could not install ${optional[*]}: their rows are left out"
fi
have_mpi4py=0
"$py" -c 'import mpi4py.futures' >/dev/null 2>&1 && [ -x "$bin/mpi/cube_mpi" ] && have_mpi4py=1

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
table=$work/table.md

# ours LABEL COMMAND...: one of our programs, --json -r R -W 1; its median into the table.
# peer LABEL COMMAND...: a Python peer writing its record (--record FILE); its median and the ratio to ours.
baseline=""
ours() {
  local label=$1; shift
  mt_say "  $label"
  "$@" --json -r "$repeat" -W 1 >"$work/run.json" 2>"$work/run.err" || { cat -- "$work/run.err" >&2; mt_die "$label failed"; }
  [ "$(mt_record field "$work/run.json" valid)" = true ] || mt_die "$label did not validate"
  local t
  t=$(mt_record field "$work/run.json" time_s)
  [ -n "$baseline" ] || baseline=$t
  row "$label" "$t" "ours"
}
peer() {
  local label=$1; shift
  mt_say "  $label"
  rm -f -- "$work/run.json"
  if ! "$@" --repeat "$repeat" --record "$work/run.json" >"$work/run.out" 2>"$work/run.err"; then
    cat -- "$work/run.err" >&2; mt_die "$label failed"
  fi
  [ "$(mt_record field "$work/run.json" valid)" = true ] || mt_die "$label did not validate"
  row "$label" "$(mt_record field "$work/run.json" time_s)" "peer"
}
row() { # row LABEL SECONDS KIND
  local ratio
  ratio=$(mt_record ratio "$2" "$baseline" --digits 2)
  if [ "$3" = ours ]; then
    printf '| | %s | %.4g | %s |\n' "$1" "$2" "$ratio" >>"$table"
  else
    printf '| | %s | %.4g | **%s** |\n' "$1" "$2" "$ratio" >>"$table"
  fi
}
section() { baseline=""; printf '| **%s** | | | |\n' "$1" >>"$table"; mt_say "$1"; }
pyrun() { "$py" "$MT_ROOT/bench/peers_activities.py" "$@"; }
mpi4py_run() { # mpi4py_run WORKERS ARG...: one manager and WORKERS workers under mpiexec
  local workers=$1; shift
  mt_mpirun $((workers + 1)) "$py" -m mpi4py.futures "$MT_ROOT/bench/peers_activities.py" mpi4py-starmap \
    --processes "$workers" "$@"
}

mpi4py_version=""
[ "$have_mpi4py" -eq 0 ] || mpi4py_version=", mpi4py $("$py" -c 'import mpi4py; print(mpi4py.__version__)')"
{
  echo "## Side by side with peers"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(hostname -s): $MT_NPROC cores, $(mt_os_name),"
  echo "$(mt_first_line cc --version), $(mt_first_line "$(mt_mpiexec)" --version), $("$py" --version)$mpi4py_version."
  echo "Command: \`bench/peers.sh --repeat $repeat\`. Median of $repeat timed runs after one warm-up; ratio = time / the first (ours) row of its"
  echo "activity: above 1, slower than ours. Ours are timed by their own clock, the Python peers around the activity (pool start included, as the original does)."
  echo
  echo "| activity | program | median s | ratio |"
  echo "|---|---|---:|---:|"
} >"$table"

section "1: squares then cubes, sleep 0.1 s an item, [2, 3, 5, 8]"
ours "square_cube --mode seq" "$bin/omp/square_cube" --mode seq
peer "Python atividade1" pyrun activity1

section "2: two threads, sleep 0.1 s an item"
ours "square_cube --mode sections -t 2" "$bin/omp/square_cube" --mode sections -t 2
peer "Python atividade2 (threading.Thread x 2)" pyrun activity2

section "2: two threads, spin 0.1 s of CPU an item (CPU-bound)"
ours "square_cube --mode sections -t 2 --work spin" "$bin/omp/square_cube" --mode sections -t 2 --work spin
peer "Python atividade2, spin (the GIL: one thread at a time)" pyrun activity2 --work spin

section "4: starmap of calc_cube, 2 workers, sleep 0.1 s an item, [2, 3, 5, 8]"
ours "cube_omp -t 2" "$bin/omp/cube_omp" -t 2
[ -x "$bin/mpi/cube_mpi" ] && ours "mpirun -np 2 cube_mpi -t 1" mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1
peer "Python Pool(2).starmap, corrected" pyrun starmap --processes 2
[ "$have_mpi4py" -eq 1 ] && peer "mpi4py.futures MPIPoolExecutor(2).starmap" mpi4py_run 2

section "4: the bare map (no work) of $items numbers, 2 workers"
ours "cube_omp -t 2 --work none" "$bin/omp/cube_omp" -t 2 --work none --generate "$items"
[ -x "$bin/mpi/cube_mpi" ] &&
  ours "mpirun -np 2 cube_mpi -t 1 --work none" mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --work none --generate "$items"
peer "Python loop (one process)" pyrun loop --work none --generate "$items"
peer "Python Pool(2).starmap" pyrun starmap --processes 2 --work none --generate "$items"
[ "$have_mpi4py" -eq 1 ] && peer "mpi4py.futures MPIPoolExecutor(2).starmap" mpi4py_run 2 --work none --generate "$items"

pyrun starmap-original --record "$work/original.json" >/dev/null
{
  echo
  echo "The original activity 4 as written, \`Pool(N).starmap(calc_cube, [2, 3, 5, 8])\`, does not run: $(mt_record field "$work/original.json" error)"
  echo "(starmap unpacks each item as an argument list); the corrected peer passes \`([n],)\` and returns the cubes."
  [ "$have_mpi4py" -eq 1 ] || echo "mpi4py is not installed (Debian: python3-mpi4py): its rows are left out."
} >>"$table"

if [ "$downloads" -eq 1 ]; then
  if [ -x "$bin/omp/download" ] && [ -x "$MT_ROOT/bench/download_bench.sh" ] && [ -f "$MT_ROOT/scripts/image_server.py" ]; then
    mt_say "3: downloads (bench/download_bench.sh)"
    echo >>"$table"
    "$MT_ROOT/bench/download_bench.sh" --jobs "1 $jobs" --runs "$repeat" --output "$work/download.md" >/dev/null ||
      mt_say "warning: bench/download_bench.sh failed or missed its goals (its table, if any, follows)"
    [ -f "$work/download.md" ] && sed 's/^### /### 3: /' "$work/download.md" >>"$table"
  else
    printf '\n3 (downloads): left out: build/omp/download or the image server is not there yet.\n' >>"$table"
  fi
fi

mkdir -p -- "$(dirname -- "$out")"
cp -- "$table" "$out"
cat -- "$table"
mt_say "table written to $out"
