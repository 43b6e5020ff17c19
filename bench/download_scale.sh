#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# download_scale.sh - download at scale: many small files from a loopback nginx, download (tasks and multi)
# against curl -Z and aria2c at the same concurrency, runs interleaved, best and median, in one run.
set -euo pipefail
MT_SCRIPT=bench/download_scale.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/download_scale.sh [OPTION]...
Serve COUNT files of SIZE bytes from an nginx of its own (a config in a temporary folder, bound to
127.0.0.1 on a free port, stopped at the end), fetch them all with N transfers at once by download
--mode tasks, download --mode multi, curl -Z and aria2c, RUNS rounds with the four interleaved, and print
a markdown table of the wall times (best and median) and their ratios to curl -Z's (also written to a
file). A benchmark, not a test: its numbers depend on the machine and on what else runs on it.

  --count C        files (default 2000)
  --size BYTES     each file's size (default 10240)
  --jobs N         transfers at once (default 8)
  --runs R         rounds (default 5)
  --out-dir DIR    where the files are written, a new folder each run (default: /dev/shm when it is
                   there, else the temporary folder). On ext4 a run measures its inode allocator too:
                   it skips inodes freed in the last minutes, so thousands of files written where
                   thousands were just deleted cost what the deletions left behind
  --output FILE    also write the table here (default BUILD_DIR/download_scale.md)
  -h, --help       this help

Goals: download --mode tasks best <= 1.05 x curl -Z best; --mode multi best <= curl -Z best. Exit 0 when
both hold, 1 when not. Installs nginx-light, curl and aria2 with apt-get when missing and run as root on
Debian.
USAGE
}

count=2000 size=10240 jobs=8 runs=5 out_dir="" output=""
while [ $# -gt 0 ]; do
  case $1 in
    --count) mt_need "${2:-}" "--count needs a number"; count=$2; shift 2 ;;
    --size) mt_need "${2:-}" "--size needs bytes"; size=$2; shift 2 ;;
    --jobs) mt_need "${2:-}" "--jobs needs a number"; jobs=$2; shift 2 ;;
    --runs) mt_need "${2:-}" "--runs needs a number"; runs=$2; shift 2 ;;
    --out-dir) mt_need "${2:-}" "--out-dir needs a folder"; out_dir=$(mt_path "$2"); shift 2 ;;
    --output) mt_need "${2:-}" "--output needs a file"; output=$(mt_path "$2"); shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see bench/download_scale.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see bench/download_scale.sh --help)" 2 ;;
  esac
done
mt_check_count "$count" --count
mt_check_count "$size" --size
mt_check_count "$jobs" --jobs
mt_check_count "$runs" --runs
[ -z "$out_dir" ] || mt_check_out_dir "$out_dir" --out-dir
output=${output:-$BUILD_DIR/download_scale.md}
mt_check_out_file "$output" --output

mt_require build peers
nginx=$(command -v nginx || echo /usr/sbin/nginx)
mt_build_target download # only what the benchmark runs
download=$BUILD_DIR/omp/download
[ -x "$download" ] || mt_die "download is not built in $BUILD_DIR (is libcurl installed?)"
python=$(mt_python)

mt_run_folder download-scale
work=$MT_RUN_DIR
if [ -z "$out_dir" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then out_dir=/dev/shm; else out_dir=$work; fi
fi
mkdir -p -- "$out_dir"
runs_dir=$(mktemp -d -- "$out_dir/download-scale-runs.XXXXXX")
MT_ALSO_REMOVE=$runs_dir

# The files, readable by nginx's workers (nobody, when nginx starts as root).
mkdir -p -- "$work/www" "$work/logs"
"$python" - "$work/www" "$count" "$size" <<'PY'
import os, sys
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    with open(os.path.join(folder, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
PY
chmod 755 -- "$work" "$work/www"
chmod 644 -- "$work"/www/*

# nginx on a free loopback port: ask the kernel for one, and try again if another process takes it first.
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=""
for _ in 1 2 3 4 5; do
  candidate=$(free_port)
  cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
error_log $work/logs/error.log;
pid $work/logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $work/logs/body;
  proxy_temp_path $work/logs/proxy;
  fastcgi_temp_path $work/logs/fastcgi;
  uwsgi_temp_path $work/logs/uwsgi;
  scgi_temp_path $work/logs/scgi;
  server { listen 127.0.0.1:$candidate; root $work/www; }
}
CONF
  "$nginx" -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" >"$work/logs/nginx.out" 2>&1 &
  MT_BACKGROUND_PID=$!
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$candidate/f00000.bin" 2>/dev/null; then port=$candidate; break; fi
    kill -0 "$MT_BACKGROUND_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] && break
  mt_stop_background
done
[ -n "$port" ] || mt_die "nginx did not start: $(cat -- "$work/logs/error.log" 2>/dev/null)"
base="http://127.0.0.1:$port"
for i in $(seq 0 $((count - 1))); do printf '%s/f%05d.bin\n' "$base" "$i"; done >"$work/list.txt"
mapfile -t urls <"$work/list.txt"

# time_run NAME COMMAND...: run in a new folder, print the wall seconds; every file must be whole.
run_number=0
time_run() {
  local name=$1; shift
  run_number=$((run_number + 1))
  local folder=$runs_dir/$run_number-$name start end files
  mkdir -- "$folder"
  start=$EPOCHREALTIME
  (cd -- "$folder" && "$@") >"$work/run.out" 2>"$work/run.err" || { cat -- "$work/run.err" >&2; mt_die "$name failed"; }
  end=$EPOCHREALTIME
  files=$(find "$folder" -type f -size "${size}c" | wc -l)
  [ "$files" -eq "$count" ] || mt_die "$name left $files whole files of $count"
  rm -rf -- "$folder"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
}

tools=(tasks multi curl aria2c)
declare -A times
for round in $(seq "$runs"); do
  mt_say "round $round of $runs ..."
  # the order turns each round, so that no tool always runs first or after the same one
  for k in 0 1 2 3; do
    tool=${tools[$(((k + round) % 4))]}
    case $tool in
      tasks) t=$(time_run tasks "$download" -j "$jobs" --mode tasks -o . -i "$work/list.txt" -q) ;;
      multi) t=$(time_run multi "$download" -j "$jobs" --mode multi -o . -i "$work/list.txt" -q) ;;
      curl) t=$(time_run curl curl -Z --parallel-max "$jobs" -sS --fail --remote-name-all "${urls[@]}") ;;
      aria2c) t=$(time_run aria2c aria2c -q -j "$jobs" -x 1 -i "$work/list.txt" --allow-overwrite=true \
        --auto-file-renaming=false --file-allocation=none --console-log-level=error) ;;
    esac
    times[$tool]+="$t "
  done
done

best() { tr ' ' '\n' | sed '/^$/d' | sort -g | sed -n 1p; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
curl_best=$(best <<<"${times[curl]}") curl_median=$(median <<<"${times[curl]}")
cpu=$(sed -n 's/^model name[[:space:]]*: //p;T;q' /proc/cpuinfo)
machine="$(hostname -s), $MT_NPROC cores (${cpu:-unknown CPU}), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(mt_os_name)"
{
  echo "### download at scale: $count files of $size bytes from a loopback nginx, $jobs at once"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $machine, load average $(cut -d' ' -f1-3 /proc/loadavg)."
  curl_version=$(mt_first_line curl --version) aria2c_version=$(mt_first_line aria2c --version)
  echo "$("$download" --version), $(cut -d' ' -f1-2 <<<"$curl_version"), aria2c $(awk '{print $3}' <<<"$aria2c_version"), $("$nginx" -v 2>&1 | sed 's/^nginx version: //') (1 worker)."
  echo "Command: \`bench/download_scale.sh --count $count --size $size --jobs $jobs --runs $runs\`; files written to $out_dir; wall seconds of the whole process, $runs rounds, the four interleaved."
  echo
  echo "| tool | best s | median s | best / curl -Z | median / curl -Z | all runs |"
  echo "|---|---:|---:|---:|---:|---|"
  for tool in tasks multi curl aria2c; do
    case $tool in
      tasks) label="download --mode tasks -j $jobs" ;;
      multi) label="download --mode multi -j $jobs" ;;
      curl) label="curl -Z --parallel-max $jobs" ;;
      aria2c) label="aria2c -j $jobs" ;;
    esac
    b=$(best <<<"${times[$tool]}") m=$(median <<<"${times[$tool]}")
    echo "| $label | $b | $m | $(ratio "$b" "$curl_best") | $(ratio "$m" "$curl_median") | ${times[$tool]% } |"
  done
} >"$work/table.md"
tasks_ok=$(awk -v a="$(best <<<"${times[tasks]}")" -v c="$curl_best" 'BEGIN { print (a <= 1.05 * c) ? "yes" : "NO" }')
multi_ok=$(awk -v a="$(best <<<"${times[multi]}")" -v c="$curl_best" 'BEGIN { print (a <= c) ? "yes" : "NO" }')
{
  echo
  echo "Goals: tasks best <= 1.05 x curl -Z best: $tasks_ok; multi best <= curl -Z best: $multi_ok."
} >>"$work/table.md"
mkdir -p -- "$(dirname -- "$output")"
cp -- "$work/table.md" "$output"
cat -- "$work/table.md"
mt_say "table written to $output"
[ "$tasks_ok" = yes ] && [ "$multi_ok" = yes ]
