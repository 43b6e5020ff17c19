#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# run.sh - fuzz the readers: build each libFuzzer target with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer) and run it for a bounded time from its seed corpus.
set -euo pipefail
MT_SCRIPT=tests/fuzz/run.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: tests/fuzz/run.sh [OPTION]...
Build the fuzz targets of the readers with clang -fsanitize=fuzzer,address,undefined and run each for a
bounded time from its seed corpus (tests/fuzz/corpus/TARGET). A target that breaks a rule (a crash, a
sanitizer report, a reference disagreeing) fails the run; the input is kept as OUT/crash-TARGET-*, to
be added to tests/fuzz/corpus/TARGET/ once fixed, where the unit tests replay it in every build.

  --seconds N    how long each target runs (default 15)
  --target NAME  only this target (repeatable): fuzz_numbers, fuzz_parse_int64, fuzz_url_list,
                 fuzz_file_name, fuzz_url_name
  --out DIR      where the targets, the grown corpora and crashes go (default: BUILD_DIR/fuzz)
  -h, --help     this help

Installs clang and its runtimes (the 'sanitize' group) as root on Debian; exits 77 (skipped) where they
are missing and cannot be installed, and where MT_SANITIZE says the build is a sanitizer build.
USAGE
}

seconds=15 out="" targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) mt_need "${2:-}" "--seconds needs a number"; seconds=$2; shift 2 ;;
    --target) mt_need "${2:-}" "--target needs a name"; targets+=("$2"); shift 2 ;;
    --out) mt_need "${2:-}" "--out needs a folder"; out=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see tests/fuzz/run.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see tests/fuzz/run.sh --help)" 2 ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || mt_die "--seconds: '$seconds' is not a whole number of seconds" 2
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_numbers fuzz_parse_int64 fuzz_url_list fuzz_file_name fuzz_url_name)
out=${out:-$BUILD_DIR/fuzz}

if [ -n "${MT_SANITIZE:-}" ]; then
  mt_say "fuzzing skipped: this is a sanitizer build (MT_SANITIZE=$MT_SANITIZE); run it from a normal build"
  exit 77
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  mt_require build sanitize
elif ! command -v clang >/dev/null 2>&1; then
  mt_say "fuzzing skipped: clang is missing (Debian: apt-get install clang libclang-rt-14-dev libomp-dev)"
  exit 77
fi

here=$MT_ROOT/tests/fuzz
mkdir -p -- "$out"
out=$(cd -- "$out" && pwd) # absolute: each target runs from inside it
sanitizers=fuzzer,address,undefined
flags=(-g -O1 "-fsanitize=$sanitizers" -fno-sanitize-recover=undefined -fopenmp
  -D_POSIX_C_SOURCE=200809L -std=c11 -Wall -Wextra -I"$MT_ROOT/common" -I"$MT_ROOT/omp" -I"$here")
common=("$MT_ROOT/common/numbers.c" "$MT_ROOT/common/numbers_scan.c" "$MT_ROOT/common/numbers_parallel.c"
  "$MT_ROOT/common/items_memory.c" "$MT_ROOT/common/status.c")
read -r -a curl_libs <<<"$(pkg-config --libs libcurl)"

build() {
  local target=$1 sources=() libs=()
  case $target in
    fuzz_numbers|fuzz_parse_int64) sources=("${common[@]}") ;;
    fuzz_url_list) sources=("${common[@]}" "$MT_ROOT/omp/download_urls.c" "$MT_ROOT/omp/download_name.c")
      libs=("${curl_libs[@]}") ;;
    fuzz_file_name|fuzz_url_name) sources=("$MT_ROOT/common/status.c" "$MT_ROOT/omp/download_name.c")
      libs=("${curl_libs[@]}") ;;
    *) mt_die "--target: unknown target '$target'" 2 ;;
  esac
  clang "${flags[@]}" "$here/$target.c" "${sources[@]}" "${libs[@]}" -o "$out/$target"
}

failed=()
for target in "${targets[@]}"; do
  mt_say "-- $target: build"
  build "$target"
  # The seed corpus is read, never written: what the run finds goes to a corpus of its own.
  grown=$out/corpus-$target
  mkdir -p -- "$grown"
  mt_say "-- $target: $seconds s"
  # One OpenMP thread: the parts of a parallel parse still split the text, at three times the inputs a
  # second (the threads themselves are the unit tests' and the sanitizer builds' concern).
  if ! (cd -- "$out" && OMP_NUM_THREADS=1 UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
        "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$out/crash-$target-" "$grown" "$here/corpus/$target" \
        >"$out/$target.log" 2>&1); then
    tail -n 40 -- "$out/$target.log" >&2
    failed+=("$target")
    continue
  fi
  grep -E '^stat::number_of_executed_runs|^Done [0-9]+ runs' "$out/$target.log" | tail -n 1 >&2 || true
done
if [ ${#failed[@]} -gt 0 ]; then
  mt_die "rules broken in: ${failed[*]} (inputs kept as $out/crash-TARGET-*; replay one with $out/TARGET FILE)"
fi
mt_say "fuzzing: no rule broken in ${targets[*]}"
