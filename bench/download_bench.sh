#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# download_bench.sh - activity 3 measured: download (tasks and multi) against curl -Z, aria2c and the
# Python original's threads, all fetching the same files from the loopback image server, in one run; then
# the same at scale (bench/download_scale.sh: 2000 small files from a loopback nginx).
set -euo pipefail
MT_SCRIPT=bench/download_bench.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/download_bench.sh [OPTION]...
Serve COUNT generated images on loopback with a per-request latency and a per-connection bandwidth, fetch
them with N transfers at once by each downloader, and print a markdown table (also written to a file).
A benchmark, not a test: its numbers depend on the machine.

  --count C        files (default 30, the original's 6 x 5)
  --latency S      seconds before each response (default 0.1)
  --size BYTES     every image this size (default 40000)
  --bandwidth B    bytes per second per connection (default 1000000: 40 ms for 40 KB; 0: no limit)
  --jobs "N..."    concurrencies (default "1 4 8 30")
  --runs R         runs of each, the median reported (default 3)
  --output FILE    also write the tables here (default BUILD_DIR/download_bench.md)
  --no-scale       leave out the run at scale (bench/download_scale.sh with its defaults: 2000 files of
                   10240 bytes from a loopback nginx, 8 at once, 5 rounds), which follows otherwise
  -h, --help       this help

Model: ceil(C/N) x (latency + size/bandwidth). Pass when download's own time (its record's time_s, which
leaves out process start) is <= 1.05 x model, and its wall time (the whole process, as the peers are
timed) is no slower than the best peer's. Installs aria2 (and python3-requests for the original) with
apt-get when missing and run as root on Debian.
USAGE
}

count=30 latency=0.1 size=40000 bandwidth=1000000 jobs_list="1 4 8 30" runs=3 output="" scale=1
while [ $# -gt 0 ]; do
  case $1 in
    --count) mt_need "${2:-}" "--count needs a number"; count=$2; shift 2 ;;
    --latency) mt_need "${2:-}" "--latency needs seconds"; latency=$2; shift 2 ;;
    --size) mt_need "${2:-}" "--size needs bytes"; size=$2; shift 2 ;;
    --bandwidth) mt_need "${2:-}" "--bandwidth needs bytes per second"; bandwidth=$2; shift 2 ;;
    --jobs) mt_need "${2:-}" "--jobs needs a list"; jobs_list=$2; shift 2 ;;
    --runs) mt_need "${2:-}" "--runs needs a number"; runs=$2; shift 2 ;;
    --output) mt_need "${2:-}" "--output needs a file"; output=$(mt_path "$2"); shift 2 ;;
    --no-scale) scale=0; shift ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/download_bench.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/download_bench.sh --help)" 2 ;;
  esac
done
# Every value checked before anything is installed, built or served.
mt_check_count "$count" --count
mt_check_seconds "$latency" --latency
mt_check_count "$size" --size
mt_check_count "$bandwidth" --bandwidth 0
read -r -a jobs <<<"$jobs_list"
[ ${#jobs[@]} -gt 0 ] || mt_die "--jobs: the list is empty" 2
for n in "${jobs[@]}"; do mt_check_count "$n" --jobs; done
mt_check_count "$runs" --runs
output=${output:-$BUILD_DIR/download_bench.md}
mt_check_out_file "$output" --output

# The peers (curl, aria2c, Python's requests) are installed here if missing.
mt_require build peers
mt_build_target download # only what the benchmark runs: the rest of the suite need not build for it
download=$BUILD_DIR/omp/download
[ -x "$download" ] || mt_die "download is not built in $BUILD_DIR (is libcurl installed?)"
python=$(mt_python)

mt_run_folder download-bench
work=$MT_RUN_DIR
mt_image_server "$work" --latency "$latency" --bandwidth "$bandwidth" --image-size "$size"
base="http://127.0.0.1:$(cat -- "$work/port")"
curl -fsS "$base/lists/bench.txt?n=$count" >"$work/list.txt"
mapfile -t urls <"$work/list.txt"

# time_wall COMMAND...: run in a fresh empty folder, print the wall seconds; check every file arrived.
time_wall() {
  rm -rf -- "$work/out"; mkdir -- "$work/out"
  local start end
  start=$EPOCHREALTIME
  (cd -- "$work/out" && "$@") >"$work/run.out" 2>"$work/run.err" || { cat -- "$work/run.err" >&2; mt_die "failed: $*"; }
  end=$EPOCHREALTIME
  local files
  files=$(find "$work/out" -type f -size "${size}c" | wc -l)
  [ "$files" -eq "$count" ] || mt_die "$1 left $files whole files of $count"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME COMMAND...: the median wall time of R runs into wall[NAME].
# measure_ours NAME COMMAND...: the same for download run with --csv, and its own time (the record's
# time_s) into own[NAME].
declare -A wall own
measure() {
  local name=$1; shift
  local walls=()
  for _ in $(seq "$runs"); do walls+=("$(time_wall "$@")"); done
  wall[$name]=$(printf '%s\n' "${walls[@]}" | median)
}
measure_ours() {
  local name=$1; shift
  local walls=() owns=()
  for _ in $(seq "$runs"); do
    walls+=("$(time_wall "$@" --csv)")
    owns+=("$(mt_record field "$work/run.out" time_s)")
  done
  wall[$name]=$(printf '%s\n' "${walls[@]}" | median)
  own[$name]=$(printf '%s\n' "${owns[@]}" | median)
}

cpu=""
while IFS= read -r line; do
  if [[ $line == "model name"* ]]; then cpu=${line#*: }; break; fi
done </proc/cpuinfo
read -r -a curl_version <<<"$(mt_first_line curl --version)"
read -r -a aria2c_version <<<"$(mt_first_line aria2c --version)"
machine="$(nproc) cores, ${cpu:-unknown CPU}, $(mt_os_name)"
{
  echo "### download: $count files, latency $latency s, $size bytes at $bandwidth B/s per connection"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $machine; median of $runs runs; seconds."
  echo "$("$download" --version), ${curl_version[*]:0:2}, aria2c ${aria2c_version[2]:-}, $("$python" --version)."
  echo
  echo "| N | model | tasks (own) | tasks (wall) | multi (own) | multi (wall) | curl -Z | aria2c | Python threads | own <= 1.05 model | tasks wall <= best peer | multi wall <= best peer |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|:---:|"
} >"$work/table.md"

verdict_all=0
for n in "${jobs[@]}"; do
  mt_say "N = $n ..."
  measure_ours tasks "$download" -j "$n" --mode tasks -o . -i "$work/list.txt"
  measure_ours multi "$download" -j "$n" --mode multi -o . -i "$work/list.txt"
  measure curl curl -Z --parallel-immediate --parallel-max "$n" -sS --fail --remote-name-all "${urls[@]}"
  measure aria2c aria2c -q -j "$n" -x 1 -i "$work/list.txt" --allow-overwrite=true --auto-file-renaming=false \
    --file-allocation=none --console-log-level=error
  measure python "$python" "$MT_ROOT/bench/original_threads.py" "$base" "$n" --count "$count" --dir .
  model=$(awk -v c="$count" -v n="$n" -v l="$latency" -v s="$size" -v b="$bandwidth" \
    'BEGIN { r = int((c + n - 1) / n); t = b > 0 ? s / b : 0; printf "%.3f\n", r * (l + t) }')
  best_peer=$(printf '%s\n' "${wall[curl]}" "${wall[aria2c]}" "${wall[python]}" | sort -g | sed -n 1p)
  model_ok=$(awk -v o="${own[tasks]}" -v p="${own[multi]}" -v m="$model" 'BEGIN { print (o <= 1.05 * m && p <= 1.05 * m) ? "yes" : "NO" }')
  tasks_ok=$(awk -v o="${wall[tasks]}" -v b="$best_peer" 'BEGIN { print (o <= b) ? "yes" : "NO" }')
  multi_ok=$(awk -v o="${wall[multi]}" -v b="$best_peer" 'BEGIN { print (o <= b) ? "yes" : "NO" }')
  [ "$model_ok" = yes ] && [ "$tasks_ok" = yes ] && [ "$multi_ok" = yes ] || verdict_all=1
  printf '| %s | %s | %.3f | %s | %.3f | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$model" "${own[tasks]}" \
    "${wall[tasks]}" "${own[multi]}" "${wall[multi]}" "${wall[curl]}" "${wall[aria2c]}" "${wall[python]}" "$model_ok" \
    "$tasks_ok" "$multi_ok" >>"$work/table.md"
done
{
  echo
  echo "own: download's own time (its record's time_s: the transfers only); wall: the whole process, as every peer is timed."
  echo "model: ceil($count/N) x ($latency + $size/$bandwidth) s. Python threads: the original's Queue + N threads + requests."
} >>"$work/table.md"

if [ "$scale" -eq 1 ]; then
  mt_stop_background
  mt_say "at scale ..."
  echo >>"$work/table.md"
  "$MT_ROOT/bench/download_scale.sh" --output "$work/scale.md" >/dev/null || verdict_all=1
  if [ -f "$work/scale.md" ]; then cat -- "$work/scale.md" >>"$work/table.md"; else echo "(the run at scale failed)" >>"$work/table.md"; fi
fi
mkdir -p -- "$(dirname -- "$output")"
cp -- "$work/table.md" "$output"
cat -- "$work/table.md"
mt_say "tables written to $output"
exit "$verdict_all"
