#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# output_bench.sh - --output measured: cube_mpi's ranks writing their own lines with MPI-IO (np 2; Open MPI, and
# MPICH when build-mpich/ is built) against cube_omp -t 2 writing the same lines itself, side by side in
# interleaved rounds, sync before each run; medians in a markdown table with the date and the machine.
set -euo pipefail
MT_SCRIPT=bench/output_bench.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/output_bench.sh [OPTION]...
Build if needed, then time end to end (launcher start included), in interleaved rounds with sync before each
run: cube_omp -t 2 --work none --generate N --output FILE, and mpirun -np 2 cube_mpi with the same options,
once as the lesson (rank 0 makes the list and scatters it) and once with --io mpi (each rank makes its own
part), under Open MPI from BUILD_DIR, and under MPICH from build-mpich/ when it is built (scripts/test.sh
--mpi mpich builds it). Every run's record (--json) gives its output phase (output_s); the files are checked
identical. Prints medians, min and max, and each run's ratio to cube_omp's median (the goal: at most 1.1).
A benchmark, not a test: its numbers depend on the machine and on what else runs on it.

  --count N     numbers (default 20000000: about 690 MB of lines)
  --repeat R    rounds (default 5)
  --np P        ranks of cube_mpi, threads of cube_omp (default 2)
  --dir DIR     write the files in DIR (default: a folder of the run's own under TMPDIR, removed after)
  --stdout      also time cube_mpi's lines through the launcher's standard output (> FILE), as without
                --output (slow: every line travels from rank 0 through the launcher)
  --out FILE    also write the table to FILE
  -h, --help    this help
USAGE
}

count=20000000 repeat=5 np=2 dir="" stdout=0 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --count) mt_need "${2:-}" "--count needs a number"; count=$2; shift 2 ;;
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --np) mt_need "${2:-}" "--np needs a number"; np=$2; shift 2 ;;
    --dir) mt_need "${2:-}" "--dir needs a folder"; dir=$(mt_path "$2"); shift 2 ;;
    --stdout) stdout=1; shift ;;
    --out) mt_need "${2:-}" "--out needs a file"; out=$(mt_path "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/output_bench.sh --help)" 2 ;;
    *) mt_die "unknown option '$1' (see bench/output_bench.sh --help)" 2 ;;
  esac
done
# Every value checked before anything is built or run.
mt_check_count "$count" --count
mt_check_count "$repeat" --repeat
mt_check_count "$np" --np
[ -z "$dir" ] || mt_check_out_dir "$dir" --dir
[ -z "$out" ] || mt_check_out_file "$out" --out

mt_require build
mt_build_target cube_omp
mt_build_target cube_mpi
mpich_dir=$MT_ROOT/build-mpich
variants=(omp openmpi openmpi-io)
if [ -f "$mpich_dir/CMakeCache.txt" ]; then
  BUILD_DIR=$mpich_dir mt_build_target cube_mpi
  variants+=(mpich mpich-io)
else
  mt_say "note: MPICH left out: build-mpich/ is not built (scripts/test.sh --mpi mpich builds it)"
fi
[ "$stdout" -eq 0 ] || variants+=(openmpi-stdout)
mt_run_folder output-bench
[ -n "$dir" ] || dir=$MT_RUN_DIR/files
mkdir -p -- "$dir"
times=$MT_RUN_DIR/times.txt
: >"$times"
common=(--work none --generate "$count" --json)

# run VARIANT: one timed run, sync before it; appends "VARIANT wall_s output_s" to the times.
run() {
  local variant=$1 file=$dir/$1.txt record=$MT_RUN_DIR/record.json start end
  sync
  start=$EPOCHREALTIME
  case $variant in
    omp) "$BUILD_DIR/omp/cube_omp" -t "$np" "${common[@]}" --output "$file" >"$record" ;;
    openmpi) mt_mpirun "$np" "$BUILD_DIR/mpi/cube_mpi" -t 1 "${common[@]}" --output "$file" >"$record" ;;
    openmpi-io) mt_mpirun "$np" "$BUILD_DIR/mpi/cube_mpi" -t 1 --io mpi "${common[@]}" --output "$file" >"$record" ;;
    mpich) BUILD_DIR=$mpich_dir mt_mpirun "$np" "$mpich_dir/mpi/cube_mpi" -t 1 "${common[@]}" --output "$file" \
      >"$record" ;;
    mpich-io) BUILD_DIR=$mpich_dir mt_mpirun "$np" "$mpich_dir/mpi/cube_mpi" -t 1 --io mpi "${common[@]}" \
      --output "$file" >"$record" ;;
    openmpi-stdout) mt_mpirun "$np" "$BUILD_DIR/mpi/cube_mpi" -t 1 --work none --generate "$count" >"$file" ;;
  esac
  end=$EPOCHREALTIME
  local output_s=-
  if [ "$variant" != openmpi-stdout ]; then
    output_s=$("$(mt_python)" -c 'import json, sys; print(json.load(open(sys.argv[1]))["output_s"])' "$record")
  fi
  echo "$variant $("$(mt_python)" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end") \
    $output_s" >>"$times"
}

for ((round = 1; round <= repeat; round++)); do
  mt_say "round $round of $repeat"
  for variant in "${variants[@]}"; do run "$variant"; done
done
# The same bytes from every run (the launcher's stdout carries the Execution Time line after them).
for variant in "${variants[@]}"; do
  [ "$variant" = omp ] && continue
  if [ "$variant" = openmpi-stdout ]; then
    head -c "$(stat -c %s "$dir/omp.txt")" "$dir/$variant.txt" | cmp -s - "$dir/omp.txt" ||
      mt_die "$variant: the lines differ from cube_omp's"
  else
    cmp -s "$dir/$variant.txt" "$dir/omp.txt" || mt_die "$variant: the file differs from cube_omp's"
  fi
done

"$(mt_python)" - "$times" "$count" "$np" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$(uname -n), $MT_NPROC cores, $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(mt_os_name)" \
  "$(stat -c %s "$dir/omp.txt")" <<'PY' | tee "$MT_RUN_DIR/table.md"
import statistics
import sys

times, count, np, when, machine, size = sys.argv[1:7]
runs = {}
for line in open(times):
    variant, wall, output = line.split()
    runs.setdefault(variant, []).append((float(wall), None if output == "-" else float(output)))
names = {
    "omp": f"cube_omp -t {np} --output FILE (the baseline)",
    "openmpi": f"mpirun -np {np} cube_mpi --output FILE (Open MPI, MPI-IO)",
    "openmpi-io": f"mpirun -np {np} cube_mpi --io mpi --output FILE (Open MPI: each rank makes its own part)",
    "mpich": f"mpiexec -np {np} cube_mpi --output FILE (MPICH, MPI-IO)",
    "mpich-io": f"mpiexec -np {np} cube_mpi --io mpi --output FILE (MPICH: each rank makes its own part)",
    "openmpi-stdout": f"mpirun -np {np} cube_mpi > FILE (Open MPI, through the launcher)",
}
base = statistics.median(wall for wall, _ in runs["omp"])
print(f"output_bench: {count} numbers ({int(size) / 1e6:.0f} MB of lines), {len(runs['omp'])} rounds; {when}; "
      f"{machine}")
print()
print("| run | wall median s | min | max | output_s median | ratio to cube_omp |")
print("|---|---:|---:|---:|---:|---:|")
for variant, samples in runs.items():
    walls = [wall for wall, _ in samples]
    outputs = [output for _, output in samples if output is not None]
    output = f"{statistics.median(outputs):.3f}" if outputs else "-"
    print(f"| {names[variant]} | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} | {output} | "
          f"{statistics.median(walls) / base:.2f} |")
PY
if [ -n "$out" ]; then mkdir -p -- "$(dirname -- "$out")" && cp -- "$MT_RUN_DIR/table.md" "$out"; fi
