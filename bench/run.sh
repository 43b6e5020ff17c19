#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# run.sh - the benchmarks (not tests): each program against its ideal time or the machine's copy
# bandwidth, and against the Python original, all measured side by side in one run. Writes a
# markdown report (stdout and --out FILE) with the date and the machine.
set -euo pipefail
MT_SCRIPT=bench/run.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/run.sh [OPTION]...
Build if needed, then measure: square_cube's modes and cube_mpi against their ideal times, the OpenMP
overheads, cube_omp and cube_mpi --work none against the copy bandwidth, and cube_mpi against
Python's Pool(2).starmap. Medians of repeated runs, ratios taken within this one run.

  --repeat R    timed runs per point (default 7; at least 5)
  --quick       a small run (under a minute): 0.01 s per item, 2^20 items for the memory-bound
                map, 2^16 for the starmap; its numbers show the tables, not the machine
  --out FILE    also write the report to FILE (default: bench/results.md; --quick: BUILD_DIR/bench-quick.md)
  -h, --help    this help
USAGE
}

repeat=7 out="" quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --out) mt_need "${2:-}" "--out needs a file"; out=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/run.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/run.sh --help)" 2 ;;
  esac
done

# Every value checked before anything is built.
mt_check_count "$repeat" --repeat 5
if [ "$quick" -eq 1 ]; then
  out=${out:-$BUILD_DIR/bench-quick.md} delay=0.01 log_n=20 log_pn=16 command="bench/run.sh --quick --repeat $repeat"
else
  out=${out:-$MT_ROOT/bench/results.md} delay=0.1 log_n=25 log_pn=22 command="bench/run.sh --repeat $repeat"
fi
mt_check_out_file "$out" --out

mt_require build
mt_build
bin=$BUILD_DIR
py=$(mt_python)
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# ratio A B [DIGITS]: A / B. verdict VALUE OP GOAL: yes when VALUE OP GOAL (<= or >=), else **no**.
ratio() { mt_record ratio "$1" "$2" --digits "${3:-3}"; }
verdict() {
  local met
  if [ "$2" = "<=" ]; then met=$(mt_record goal "$1" --at-most "$3"); else met=$(mt_record goal "$1" --at-least "$3"); fi
  if [ "$met" = yes ]; then echo yes; else echo "**no**"; fi
}
# judge A B OP GOAL [DIGITS]: the cells "A / B | OP GOAL: verdict", the verdict on the ratio as printed.
judge() {
  local r
  r=$(ratio "$1" "$2" "${5:-3}")
  echo "$r | $3 $4: $(verdict "$r" "$3" "$4")"
}
# gb_per_s BYTES SECONDS: the bandwidth in GB/s (bytes per nanosecond).
gb_per_s() { ratio "$1" "$(ratio "$2" 1e-9 3)" 2; }
# section TITLE COLUMN...: a section's heading and the header of its table.
section() {
  local title=$1
  shift
  printf '\n### %s\n\n' "$title"
  printf '| %s ' "$@"
  printf '|\n'
  printf '|---%.0s' "$@"
  printf '|\n'
}

report=$work/report.md
{
  echo "## Benchmarks"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(hostname -s): $MT_NPROC cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(mt_os_name), $(mt_first_line cc --version), $(mt_first_line "$(mt_mpiexec)" --version)."
  echo "Command: \`$command\`. Medians of $repeat timed runs after one warm-up."
  echo
  echo "### Each mode against its ideal time (sleep work, $delay s per item, the default list)"
  echo
  echo "Each row is a run's own record (--csv): workers = threads x ranks, n items, time_s the median."
  echo
} >"$report"

# ideal_run COMMAND...: one run with --csv, its record added to the table of this section.
ideal_run() { "$@" --delay "$delay" --csv -r "$repeat" -W 1 >"$work/r.csv" && mt_record append "$work/r.csv" "$work/ideal.csv"; }
ideal_run "$bin/omp/square_cube" --mode seq
ideal_run "$bin/omp/square_cube" --mode sections -t 2
ideal_run "$bin/omp/square_cube" --mode tasks -t 2
ideal_run "$bin/omp/square_cube" --mode tasks -t 8
ideal_run "$bin/omp/cube_omp" -t 2
ideal_run "$bin/omp/cube_omp" -t 4
if [ -x "$bin/mpi/cube_mpi" ]; then
  ideal_run mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1
  ideal_run mt_mpirun 4 "$bin/mpi/cube_mpi" -t 1
  ideal_run mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 1 2 3 4 5 6 7 8
  ideal_run mt_mpirun 4 "$bin/mpi/cube_mpi" -t 1 1 2 3 4 5 6 7 8
fi
mt_record table "$work/ideal.csv" --markdown --columns program,mode,threads,ranks,n,time_s,ideal_s,ratio \
  --format %.4f --goal "ratio<=1.02" >>"$report"

# The timeline's cost: the same runs with recording off and on (--timeline), in turn.
# time_of COMMAND...: the median time of one run of COMMAND (its record's time_s).
time_of() { "$@" --json >"$work/t.json" && mt_record field "$work/t.json" time_s --format %.6f; }
section "The timeline's cost: recording off and on, side by side" run "off: median s" "on: median s" "on / off" goal \
  >>"$report"
# budget_row LABEL GOAL COMMAND...: alternate off and on three times; compare the medians of the medians.
budget_row() {
  local label=$1 goal=$2; shift 2
  local off=() on=() i
  for i in 1 2 3; do
    off+=("$(time_of "$@")")
    on+=("$(time_of "$@" --timeline "$work/t$i.json")")
  done
  local off_s on_s
  off_s=$(printf '%s\n' "${off[@]}" | sort -g | sed -n 2p) on_s=$(printf '%s\n' "${on[@]}" | sort -g | sed -n 2p)
  echo "| $label | $off_s | $on_s | $(judge "$on_s" "$off_s" "<=" "$goal") |" >>"$report"
}
budget_row "square_cube tasks -t 8, sleep $delay s" 1.01 "$bin/omp/square_cube" --mode tasks -t 8 --delay "$delay" \
  -r "$repeat" -W 1
budget_row "cube_omp -t 2, sleep $delay s" 1.01 "$bin/omp/cube_omp" -t 2 --delay "$delay" -r "$repeat" -W 1
budget_row "cube_omp -t 2, none, 2^$log_n items" 1.02 "$bin/omp/cube_omp" -t 2 --work none --generate $((1 << log_n)) \
  -r 11 -W 1

OMP_NUM_THREADS=2 "$bin/bench/omp_overhead" >"$work/o.json"
{
  section "OpenMP overheads at 2 threads (EPCC-style: test minus reference, median)" construct overhead
  echo "| parallel region (start and join a team) | $(mt_record field "$work/o.json" parallel_region_us) µs |"
  echo "| task (create, schedule, run, per task) | $(mt_record field "$work/o.json" task_us) µs |"
} >>"$report"

n=$((1 << log_n))
OMP_NUM_THREADS=1 "$bin/bench/stream_copy" "$n" 11 >"$work/s1.json"
OMP_NUM_THREADS=2 "$bin/bench/stream_copy" "$n" 11 >"$work/s2.json"
"$bin/omp/cube_omp" -t 2 --work none --generate "$n" --json -r 11 -W 1 >"$work/c.json"
copy1=$(mt_record field "$work/s1.json" copy_s)
omp_s=$(mt_record field "$work/c.json" time_s)
bw1=$(mt_record field "$work/s1.json" copy_gb_s) bw2=$(mt_record field "$work/s2.json" copy_gb_s)
omp_bw=$(gb_per_s "$((16 * n))" "$omp_s")
{
  section "Memory-bound: --work none on 2^$log_n items (16 B moved per item)" run "median s" GB/s against ratio goal
  echo "| STREAM copy, 1 thread | $(mt_record field "$work/s1.json" copy_s --format %.4f) | $bw1 | | | |"
  echo "| STREAM copy, 2 threads | $(mt_record field "$work/s2.json" copy_s --format %.4f) | $bw2 | | | |"
  echo "| cube_omp, 2 threads | $(mt_record field "$work/c.json" time_s --format %.4f) | $omp_bw | copy, 2 threads (bandwidth) | $(judge "$omp_bw" "$bw2" ">=" "0.85") |"
} >>"$report"
if [ -x "$bin/mpi/cube_mpi" ]; then
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --work none --generate "$n" --json -r 11 -W 1 >"$work/m.json"
  mpi_s=$(mt_record field "$work/m.json" time_s)
  model=$(ratio "$copy1" 0.5 6) # two copies of the list at the 1-thread copy time: 2 x copy1
  echo "| cube_mpi np 2, scatter (end to end) | $(mt_record field "$work/m.json" time_s --format %.4f) | $(gb_per_s "$((16 * n))" "$mpi_s") | memcpy model: 2 x 16 B/item at 1-thread copy, $(ratio "$model" 1 4) s | $(judge "$mpi_s" "$model" "<=" "1.5") |" >>"$report"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --transport shared --work none --generate "$n" --json -r 11 -W 1 >"$work/sh.json"
  shared_s=$(mt_record field "$work/sh.json" time_s)
  shared_bw=$(gb_per_s "$((16 * n))" "$shared_s")
  echo "| cube_mpi np 2, shared windows (end to end) | $(mt_record field "$work/sh.json" time_s --format %.4f) | $shared_bw | copy, 2 threads (bandwidth) | $(judge "$shared_bw" "$bw2" ">=" "0.9") |" >>"$report"
  mapfile -t phases < <(mt_record field "$work/m.json" phases.scatter_s phases.compute_s phases.gather_s --format %.4f)
  echo "| (phases, max over ranks) | scatter ${phases[0]}, compute ${phases[1]}, gather ${phases[2]} | | | | |" >>"$report"

  # Against the original's activity 4, corrected: the same list, from one file.
  pn=$((1 << log_pn))
  "$py" -c 'import random, sys
random.seed(7)
print("\n".join(str(random.randint(-2097152, 2097151)) for _ in range(int(sys.argv[1]))))' "$pn" >"$work/list.txt"
  "$py" "$MT_ROOT/bench/starmap.py" "$work/list.txt" --processes 2 --repeat 3 >"$work/p.json"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --work none --input "$work/list.txt" --json -r "$repeat" -W 1 >"$work/mp.json"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --transport shared --work none --input "$work/list.txt" --json -r "$repeat" -W 1 >"$work/ms.json"
  py_rate=$(mt_record field "$work/p.json" items_per_s) mpi_rate=$(mt_record field "$work/mp.json" items_per_s)
  shared_rate=$(mt_record field "$work/ms.json" items_per_s)
  {
    section "cube_mpi against the original's Pool(2).starmap, corrected (2^$log_pn items, one list file)" \
      run "median s" items/s ratio goal
    echo "| Python Pool(2).starmap (valid: $(mt_record field "$work/p.json" valid)) | $(mt_record field "$work/p.json" time_s --format %.4f) | $(mt_record field "$work/p.json" items_per_s --format %.3g) | 1 | |"
    echo "| cube_mpi np 2, scatter | $(mt_record field "$work/mp.json" time_s --format %.4f) | $(mt_record field "$work/mp.json" items_per_s --format %.3g) | $(judge "$mpi_rate" "$py_rate" ">=" "100" 0) |"
    echo "| cube_mpi np 2, shared | $(mt_record field "$work/ms.json" time_s --format %.4f) | $(mt_record field "$work/ms.json" items_per_s --format %.3g) | $(judge "$shared_rate" "$py_rate" ">=" "500" 0) |"
  } >>"$report"
fi

cat -- "$report"
mkdir -p -- "$(dirname -- "$out")"
cp -- "$report" "$out"
