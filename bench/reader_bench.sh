#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# reader_bench.sh - the number reader against wc -w and Python's int() over one list file (10 million
# numbers, ten a line, ~80 MB), side by side in one run; a markdown table with the date and the machine.
set -euo pipefail
MT_SCRIPT=bench/reader_bench.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/reader_bench.sh [OPTION]...
Build if needed, write a list of N pseudo-random numbers (seed 1, ten a line; cube_omp's range), warm the
page cache, then time end to end, in interleaved rounds: wc -w, Python's int() over the file's tokens,
cube_omp --work none -q on one thread, on every core, and fed through a pipe. Prints medians, MB/s and
ratios to wc -w and to Python (and writes them to --out FILE).

  --count N     numbers in the list (default 10000000)
  --repeat R    rounds (default 7)
  --file FILE   use (or keep) this list file instead of a temporary one
  --out FILE    also write the table to FILE
  -h, --help    this help
USAGE
}

count=10000000 repeat=7 file="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --count) mt_need "${2:-}" "--count needs a number"; count=$2; shift 2 ;;
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --file) mt_need "${2:-}" "--file needs a path"; file=$(mt_path "$2"); shift 2 ;;
    --out) mt_need "${2:-}" "--out needs a file"; out=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/reader_bench.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/reader_bench.sh --help)" 2 ;;
  esac
done
mt_check_count "$count" --count
mt_check_count "$repeat" --repeat
[ -z "$out" ] || mt_check_out_file "$out" --out
[ -z "$file" ] || mt_check_out_file "$file" --file

mt_require build
mt_build
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
[ -n "$file" ] || file=$work/numbers.txt
"$(mt_python)" "$MT_ROOT/bench/reader_bench.py" --cube-omp "$BUILD_DIR/omp/cube_omp" --file "$file" \
  --count "$count" --repeat "$repeat" --python "$(mt_python)" | tee "$work/table.md"
if [ -n "$out" ]; then mkdir -p -- "$(dirname -- "$out")" && cp -- "$work/table.md" "$out"; fi
