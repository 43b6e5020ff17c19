#!/usr/bin/env bash
# run.sh - the benchmarks (not tests): each program against its ideal time or the machine's copy
# bandwidth, and against the Python original, all measured side by side in one run. Writes a
# markdown report (stdout and --out FILE) with the date and the machine.
set -euo pipefail
MT_SCRIPT=bench/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/run.sh [OPTION]...
Build if needed, then measure: square_cube's modes and cube_mpi against their ideal times, the OpenMP
overheads, cube_omp and cube_mpi --work none against the copy bandwidth, and cube_mpi against
Python's Pool(2).starmap. Medians of repeated runs, ratios taken within this one run.

  --repeat R    timed runs per point (default 7; at least 5)
  --out FILE    also write the report to FILE (default: bench/results.md)
  -h, --help    this help
USAGE
}

repeat=7 out=$MT_ROOT/bench/results.md
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --out) mt_need "${2:-}" "--out needs a file"; out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/run.sh --help)" 2 ;;
  esac
done

mt_require build
mt_build
bin=$BUILD_DIR
py=$(mt_python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# jget FILE EXPRESSION: a value from the JSON line in FILE (EXPRESSION in Python, the object is r).
jget() { "$py" -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); print(eval(sys.argv[2]))' "$1" "$2"; }
# ratio A B [DIGITS]: A / B
ratio() { "$py" -c 'import sys; print(f"{float(sys.argv[1])/float(sys.argv[2]):.{int(sys.argv[3])}f}")' "$1" "$2" "${3:-3}"; }
verdict() { "$py" -c 'import sys; a,op,b=float(sys.argv[1]),sys.argv[2],float(sys.argv[3]); print("yes" if (a<=b if op=="<=" else a>=b) else "**no**")' "$1" "$2" "$3"; }

report=$work/report.md
{
  echo "## Benchmarks"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(hostname -s): $MT_NPROC cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release), $(cc --version | head -n1), $("$(mt_mpiexec)" --version 2>/dev/null | head -n1)."
  echo "Command: \`bench/run.sh --repeat $repeat\`. Medians of $repeat timed runs after one warm-up."
  echo
  echo "### Each mode against its ideal time (sleep work, 0.1 s per item, the default list)"
  echo
  echo "| program | mode | workers | median s | ideal s | ratio | goal <= 1.02 |"
  echo "|---|---|---|---|---|---|---|"
} >"$report"

# row_ideal LABEL WORKERS COMMAND...: one run with --json; the row compares its median with its ideal.
row_ideal() {
  local label=$1 workers=$2; shift 2
  "$@" --json -r "$repeat" -W 1 >"$work/r.json"
  local t ideal
  t=$(jget "$work/r.json" 'r["time_s"]') ideal=$(jget "$work/r.json" 'r["ideal_s"]')
  echo "| $label | $workers | $(printf '%.4f' "$t") | $(printf '%.4f' "$ideal") | $(ratio "$t" "$ideal") | $(verdict "$(ratio "$t" "$ideal" 6)" "<=" 1.02) |" >>"$report"
}
row_ideal "square_cube | seq" 1 "$bin/omp/square_cube" --mode seq
row_ideal "square_cube | sections" 2 "$bin/omp/square_cube" --mode sections -t 2
row_ideal "square_cube | tasks" 2 "$bin/omp/square_cube" --mode tasks -t 2
row_ideal "square_cube | tasks" 8 "$bin/omp/square_cube" --mode tasks -t 8
row_ideal "cube_omp | loop" 2 "$bin/omp/cube_omp" -t 2
row_ideal "cube_omp | loop" 4 "$bin/omp/cube_omp" -t 4
if [ -x "$bin/mpi/cube_mpi" ]; then
  row_ideal "cube_mpi (np 2) | scatter" 2 mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1
  row_ideal "cube_mpi (np 4) | scatter" 4 mt_mpirun 4 "$bin/mpi/cube_mpi" -t 1
  row_ideal "cube_mpi (np 2), 8 items | scatter" 2 mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 1 2 3 4 5 6 7 8
  row_ideal "cube_mpi (np 4), 8 items | scatter" 4 mt_mpirun 4 "$bin/mpi/cube_mpi" -t 1 1 2 3 4 5 6 7 8
fi

# The timeline's cost: the same runs with recording off (--quiet text) and on (--timeline), in turn.
# time_of COMMAND...: the median Execution Time of one run of COMMAND (it prints that line).
time_of() { "$@" | sed -n 's/^Execution Time: //p'; }
{
  echo
  echo "### The timeline's cost: recording off and on, side by side"
  echo
  echo "| run | off: median s | on: median s | on / off | goal |"
  echo "|---|---|---|---|---|"
} >>"$report"
# budget_row LABEL GOAL COMMAND...: alternate off and on three times; compare the medians of the medians.
budget_row() {
  local label=$1 goal=$2; shift 2
  local off=() on=() i
  for i in 1 2 3; do
    off+=("$(time_of "$@" -q)")
    on+=("$(time_of "$@" -q --timeline "$work/t$i.json")")
  done
  local off_s on_s
  off_s=$(printf '%s\n' "${off[@]}" | sort -g | sed -n 2p) on_s=$(printf '%s\n' "${on[@]}" | sort -g | sed -n 2p)
  echo "| $label | $off_s | $on_s | $(ratio "$on_s" "$off_s") | <= $goal: $(verdict "$(ratio "$on_s" "$off_s" 6)" "<=" "$goal") |" >>"$report"
}
budget_row "square_cube tasks -t 8, sleep 0.1 s" 1.01 "$bin/omp/square_cube" --mode tasks -t 8 -r "$repeat" -W 1
budget_row "cube_omp -t 2, sleep 0.1 s" 1.01 "$bin/omp/cube_omp" -t 2 -r "$repeat" -W 1
budget_row "cube_omp -t 2, none, 2^25 items" 1.02 "$bin/omp/cube_omp" -t 2 --work none --generate $((1 << 25)) -r 11 -W 1

OMP_NUM_THREADS=2 "$bin/bench/omp_overhead" >"$work/o.json"
{
  echo
  echo "### OpenMP overheads at 2 threads (EPCC-style: test minus reference, median)"
  echo
  echo "| construct | overhead |"
  echo "|---|---|"
  echo "| parallel region (start and join a team) | $(jget "$work/o.json" 'r["parallel_region_us"]') µs |"
  echo "| task (create, schedule, run, per task) | $(jget "$work/o.json" 'r["task_us"]') µs |"
} >>"$report"

n=$((1 << 25))
OMP_NUM_THREADS=1 "$bin/bench/stream_copy" "$n" 11 >"$work/s1.json"
OMP_NUM_THREADS=2 "$bin/bench/stream_copy" "$n" 11 >"$work/s2.json"
"$bin/omp/cube_omp" -t 2 --work none --generate "$n" --json -r 11 -W 1 >"$work/c.json"
copy1=$(jget "$work/s1.json" 'r["copy_s"]') copy2=$(jget "$work/s2.json" 'r["copy_s"]')
omp_s=$(jget "$work/c.json" 'r["time_s"]')
bw1=$(jget "$work/s1.json" 'r["copy_gb_s"]') bw2=$(jget "$work/s2.json" 'r["copy_gb_s"]')
omp_bw=$(ratio "$((16 * n))" "$(ratio "$omp_s" 1e-9 6)" 2)
{
  echo
  echo "### Memory-bound: --work none on 2^25 items (16 B moved per item)"
  echo
  echo "| run | median s | GB/s | against | ratio | goal |"
  echo "|---|---|---|---|---|---|"
  echo "| STREAM copy, 1 thread | $(printf '%.4f' "$copy1") | $bw1 | | | |"
  echo "| STREAM copy, 2 threads | $(printf '%.4f' "$copy2") | $bw2 | | | |"
  echo "| cube_omp, 2 threads | $(printf '%.4f' "$omp_s") | $omp_bw | copy, 2 threads (bandwidth) | $(ratio "$omp_bw" "$bw2") | >= 0.85: $(verdict "$(ratio "$omp_bw" "$bw2" 6)" ">=" 0.85) |"
} >>"$report"
if [ -x "$bin/mpi/cube_mpi" ]; then
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --work none --generate "$n" --json -r 11 -W 1 >"$work/m.json"
  mpi_s=$(jget "$work/m.json" 'r["time_s"]')
  model=$("$py" -c "print(2 * $copy1)")
  echo "| cube_mpi np 2, scatter (end to end) | $(printf '%.4f' "$mpi_s") | $(ratio "$((16 * n))" "$(ratio "$mpi_s" 1e-9 6)" 2) | memcpy model: 2 x 16 B/item at 1-thread copy, $(printf '%.4f' "$model") s | $(ratio "$mpi_s" "$model") | <= 1.5: $(verdict "$(ratio "$mpi_s" "$model" 6)" "<=" 1.5) |" >>"$report"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --transport shared --work none --generate "$n" --json -r 11 -W 1 >"$work/sh.json"
  shared_s=$(jget "$work/sh.json" 'r["time_s"]')
  shared_bw=$(ratio "$((16 * n))" "$(ratio "$shared_s" 1e-9 6)" 2)
  echo "| cube_mpi np 2, shared windows (end to end) | $(printf '%.4f' "$shared_s") | $shared_bw | copy, 2 threads (bandwidth) | $(ratio "$shared_bw" "$bw2") | >= 0.9: $(verdict "$(ratio "$shared_bw" "$bw2" 6)" ">=" 0.9) |" >>"$report"
  echo "| (phases, max over ranks) | scatter $(jget "$work/m.json" '"%.4f" % r["phases"]["scatter_s"]'), compute $(jget "$work/m.json" '"%.4f" % r["phases"]["compute_s"]'), gather $(jget "$work/m.json" '"%.4f" % r["phases"]["gather_s"]') | | | | |" >>"$report"

  # Against the original's activity 4, corrected: the same list, from one file.
  pn=$((1 << 22))
  "$py" -c "import random; random.seed(7); print('\n'.join(str(random.randint(-2097152, 2097151)) for _ in range($pn)))" >"$work/list.txt"
  "$py" "$MT_ROOT/bench/starmap.py" "$work/list.txt" --processes 2 --repeat 3 >"$work/p.json"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --work none --input "$work/list.txt" --json -r "$repeat" -W 1 >"$work/mp.json"
  mt_mpirun 2 "$bin/mpi/cube_mpi" -t 1 --transport shared --work none --input "$work/list.txt" --json -r "$repeat" -W 1 >"$work/ms.json"
  py_rate=$(jget "$work/p.json" 'r["items_per_s"]') mpi_rate=$(jget "$work/mp.json" 'r["items_per_s"]')
  shared_rate=$(jget "$work/ms.json" 'r["items_per_s"]')
  {
    echo
    echo "### cube_mpi against the original's Pool(2).starmap, corrected (2^22 items, one list file)"
    echo
    echo "| run | median s | items/s | ratio | goal |"
    echo "|---|---|---|---|---|"
    echo "| Python Pool(2).starmap (valid: $(jget "$work/p.json" 'r["valid"]')) | $(printf '%.4f' "$(jget "$work/p.json" 'r["time_s"]')") | $(printf '%.3g' "$py_rate") | 1 | |"
    echo "| cube_mpi np 2, scatter | $(printf '%.4f' "$(jget "$work/mp.json" 'r["time_s"]')") | $(printf '%.3g' "$mpi_rate") | $(ratio "$mpi_rate" "$py_rate" 0) | >= 100: $(verdict "$(ratio "$mpi_rate" "$py_rate" 3)" ">=" 100) |"
    echo "| cube_mpi np 2, shared | $(printf '%.4f' "$(jget "$work/ms.json" 'r["time_s"]')") | $(printf '%.3g' "$shared_rate") | $(ratio "$shared_rate" "$py_rate" 0) | >= 500: $(verdict "$(ratio "$shared_rate" "$py_rate" 3)" ">=" 500) |"
  } >>"$report"
fi

cat "$report"
[ -n "$out" ] && cp "$report" "$out"
