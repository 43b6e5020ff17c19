# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# lib.sh - shared by the scripts here, in bench/ and in the batch jobs (sourced, not run): where things are,
# the checks of option values, the dependency check and install, the build, the MPI launcher with only
# the switches it needs, and the one reader of the programs' records (record.py).
# shellcheck shell=bash

MT_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# Where the scripts run from: a checkout (MT_ROOT holds the CMakeLists.txt: the scripts build what they run,
# in BUILD_DIR), or an installation (cmake --install, the package: MT_ROOT is PREFIX/share/multitarefas, the
# programs are PREFIX/bin's, already built; nothing is built, and what a script makes goes under the current
# folder). Found from this file's own place, so an installation may move.
if [ -f "$MT_ROOT/CMakeLists.txt" ]; then
  MT_INSTALLED=0 MT_PREFIX=""
else
  MT_INSTALLED=1 MT_PREFIX=$(cd -- "$MT_ROOT/../.." && pwd)
fi
# shellcheck disable=SC2034 # read by the scripts that source this file
MT_BUILD_DIR_GIVEN=${BUILD_DIR:+1}
# mt_path PATH: PATH written so that every command reads it as a path: './' before a relative path that starts
# with '-', which cmake, gnuplot, mktemp's template and Python's argparse would read as an option. The scripts
# also end the options of every file command with '--' (the lint test holds them to it).
mt_path() { case $1 in -*) printf './%s\n' "$1" ;; *) printf '%s\n' "$1" ;; esac; }
BUILD_DIR=$(mt_path "${BUILD_DIR:-$MT_ROOT/build}")
MT_NPROC=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

mt_say() { printf '%s\n' "$*" >&2; }
mt_die() { printf '%s: error: %s\n' "${MT_SCRIPT:-multitarefas}" "$1" >&2; exit "${2:-1}"; }

# mt_need VALUE MESSAGE: an option's value, or the usage error (exit 2) saying what it needs.
mt_need() { [ -n "$1" ] || mt_die "$2" 2; }

# Python with Debian's packages (pytest): the system's, not whatever python3 comes first on PATH.
mt_python() { if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi; }

# mt_first_line COMMAND...: the first line COMMAND prints on stdout (a version, a name). Read whole,
# then cut: `COMMAND | head -n 1` under pipefail fails when head leaves before COMMAND has written all.
mt_first_line() {
  local text
  text=$("$@" 2>/dev/null) || true
  printf '%s\n' "${text%%$'\n'*}"
}

# mt_os_name: the system's name (PRETTY_NAME of /etc/os-release), or the kernel's.
mt_os_name() {
  local line
  if [ -r /etc/os-release ]; then
    while IFS= read -r line; do
      if [[ $line == PRETTY_NAME=* ]]; then
        line=${line#PRETTY_NAME=} line=${line#\"}
        printf '%s\n' "${line%\"}"
        return 0
      fi
    done </etc/os-release
  fi
  uname -s
}

# mt_program NAME: the path of a program (square_cube, cube_omp, download, cube_mpi): BUILD_DIR's in a
# checkout, the one beside the installation's scripts (PREFIX/bin) when installed.
mt_program() {
  if [ "$MT_INSTALLED" = 1 ]; then
    printf '%s\n' "$MT_PREFIX/bin/$1"
  elif [ "$1" = cube_mpi ]; then
    printf '%s\n' "$BUILD_DIR/mpi/$1"
  else
    printf '%s\n' "$BUILD_DIR/omp/$1"
  fi
}

# mt_default_out CHECKOUT_PATH NAME: where a script writes by default: CHECKOUT_PATH in a checkout, NAME under
# the current folder when installed (the installation is not the user's to write in).
mt_default_out() {
  if [ "$MT_INSTALLED" = 1 ]; then printf '%s\n' "$PWD/$2"; else printf '%s\n' "$1"; fi
}

# mt_record COMMAND ARG...: read the programs' records (--json, --csv) with scripts/record.py: field,
# ratio, goal, table, append (record.py --help). The one way the scripts read what a program reports.
mt_record() { "$(mt_python)" "$MT_ROOT/scripts/record.py" "$@"; }

# The checks of option values, for every script to make before it installs, builds or runs anything.
# Each one is the usage error (one line, exit 2) naming the option and the value.
# mt_check_count VALUE OPTION [LEAST]: a whole number written without leading zeros (the shell reads 010 as
# octal), at least LEAST (default 1).
mt_check_count() {
  local least=${3:-1}
  [[ ! $1 =~ ^0[0-9] ]] || mt_die "$2: '$1' starts with 0: write it without leading zeros" 2
  if ! [[ $1 =~ ^(0|[1-9][0-9]{0,8})$ ]] || [ "$1" -lt "$least" ]; then
    mt_die "$2: '$1' is not a whole number of at least $least" 2
  fi
}
# mt_check_seconds VALUE OPTION [positive]: a decimal number of seconds, >= 0 (> 0 with 'positive').
mt_check_seconds() {
  [[ $1 =~ ^([0-9]+(\.[0-9]*)?|\.[0-9]+)$ ]] || mt_die "$2: '$1' is not a number of seconds" 2
  [ "${3:-}" != positive ] || [[ $1 =~ [1-9] ]] || mt_die "$2: '$1' is not more than 0 seconds" 2
}
# mt_check_choice VALUE OPTION CHOICE...: one of the choices.
mt_check_choice() {
  local value=$1 option=$2 choice
  shift 2
  for choice in "$@"; do [ "$value" = "$choice" ] && return 0; done
  local choices
  choices=$(printf ', %s' "$@")
  mt_die "$option: unknown value '$value' (one of: ${choices#, })" 2
}
# mt_check_list VALUE OPTION CHOICE...: a comma-separated list of one or more of the choices.
mt_check_list() {
  local value=$1 option=$2 entries entry
  shift 2
  IFS=, read -r -a entries <<<"$value"
  [ ${#entries[@]} -gt 0 ] || mt_die "$option: the list is empty" 2
  for entry in "${entries[@]}"; do mt_check_choice "$entry" "$option" "$@"; done
}
# mt_check_out_dir DIR OPTION: DIR is a folder we can write in, or one we can make (its nearest
# existing parent is a folder we can write in). Tried with a probe file, not read from the modes:
# root passes every mode test, and a read-only file system fails root too.
mt_check_out_dir() {
  local dir=$1 probe
  while [ ! -e "$dir" ] && [ ! -L "$dir" ]; do dir=$(dirname -- "$dir"); done
  [ -d "$dir" ] || mt_die "$2: '$1' cannot be made: '$dir' is not a folder" 2
  probe=$(mktemp -p "$dir" -- .mt-probe.XXXXXX 2>/dev/null) || mt_die "$2: cannot write in '$dir'" 2
  rm -f -- "$probe"
}
# mt_check_out_file FILE OPTION: FILE can be written (its folder exists or can be made: the caller makes it),
# and is not a folder.
mt_check_out_file() {
  [ ! -d "$1" ] || mt_die "$2: '$1' is a folder" 2
  mt_check_out_dir "$(dirname -- "$1")" "$2"
  [ ! -e "$1" ] || [ -w "$1" ] || mt_die "$2: cannot write '$1'" 2
}
# mt_replace TEMPORARY FILE: put TEMPORARY (a file built beside FILE, by mktemp: mode 0600) in FILE's place, with
# FILE's permissions when it exists, else 0666 less the umask, as a new file made with '>' gets.
mt_replace() {
  local mode
  if [ -e "$2" ]; then mode=$(stat -c %a -- "$2"); else mode=$(printf '%o' $((0666 & ~$(umask)))); fi
  chmod -- "$mode" "$1" && mv -f -- "$1" "$2"
}
# mt_check_mpi LIBRARY: an MPI library the scripts can build against.
mt_check_mpi() { mt_check_choice "$1" --mpi openmpi mpich; }

# Each dependency: a group, the checks that pass when it is there, and the Debian packages that bring it.
# Groups: build (the programs, their man pages), run (what an installation's scripts need: its programs are
# built), tests (ctest's suites), sanitize (ASan, UBSan, TSan with clang), lint (shellcheck, flake8,
# clang-format, reuse), plots, mpich (the second MPI library), slurm (a local batch system for the batch-job
# tests). A check is KIND:WHAT (mt_has): command:NAME, file:PATH, pkg:MODULE (pkg-config),
# python:MODULE (imported by Debian's python3), or tsan (clang builds with -fopenmp -fsanitize=thread).
mt_dependencies() {
  cat <<'LIST'
build|command:cc command:make|build-essential
build|command:cmake|cmake
build|command:ninja|ninja-build
build|command:pkg-config|pkg-config
build|command:flock|util-linux
build|pkg:jansson|libjansson-dev
build|pkg:libcurl|libcurl4-openssl-dev
build|command:mpicc command:mpiexec|libopenmpi-dev openmpi-bin
build|command:python3|python3
build|command:help2man|help2man
run|command:python3|python3
tests|pkg:cmocka|libcmocka-dev
tests|python:pytest|python3-pytest
tests|command:ip command:unshare|iproute2 util-linux
tests|file:/usr/share/lmod/lmod/init/bash|lmod
tests|file:/usr/share/bash-completion/bash_completion|bash-completion
tests|command:man|man-db
tests|python:jsonschema|python3-jsonschema
tests|command:file command:dpkg-shlibdeps|file dpkg-dev
tests|command:openssl|openssl
sanitize|command:clang tsan|clang libomp-dev libclang-rt-14-dev
sanitize|command:llvm-symbolizer|llvm
lint|command:shellcheck|shellcheck
lint|command:flake8|flake8
lint|command:clang-format|clang-format
lint|command:reuse|reuse
plots|command:gnuplot|gnuplot-nox
mpich|command:mpicc.mpich command:mpiexec.mpich|mpich libmpich-dev
slurm|command:slurmctld command:slurmd command:sbatch command:munged|slurm-wlm munge
peers|command:curl|curl
peers|command:aria2c|aria2
peers|python:requests|python3-requests
peers|nginx|nginx-light
LIST
}

# mt_has CHECK: whether one check of mt_dependencies passes.
mt_has() {
  case $1 in
    command:*) command -v "${1#command:}" >/dev/null 2>&1 ;;
    pkg:*) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "${1#pkg:}" ;;
    python:*) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import importlib, sys; importlib.import_module(sys.argv[1])' \
      "${1#python:}" >/dev/null 2>&1 ;;
    file:*) [ -e "${1#file:}" ] ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ;;
    tsan) clang -fopenmp -fsanitize=thread -x c -o /dev/null - <<<'int main(void) { return 0; }' >/dev/null 2>&1 ;;
    *) mt_die "unknown dependency check '$1'" ;;
  esac
}

# mt_require GROUP...: install what the groups need (as root on Debian) or print the install line and stop.
mt_require() {
  local missing=() group checks packages wanted check list
  while IFS='|' read -r group checks packages; do
    for wanted in "$@"; do
      # Installed, the programs are built already: what running them needs (the run group) replaces the build's.
      [ "$MT_INSTALLED" = 0 ] || [ "$wanted" != build ] || wanted=run
      [ "$group" = "$wanted" ] || continue
      read -r -a list <<<"$checks"
      for check in "${list[@]}"; do
        if ! mt_has "$check"; then
          read -r -a list <<<"$packages"
          missing+=("${list[@]}")
          break
        fi
      done
    done
  done < <(mt_dependencies)
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get install -y ${missing[*]}"
  if mt_can_apt; then
    mt_say "Installing what is missing: ${missing[*]}"
    mt_apt_install "${missing[@]}" || mt_die "could not install: ${missing[*]}"
  else
    mt_die "missing: ${missing[*]}. On Debian or Ubuntu: sudo $line (other systems: the same libraries; clusters: module load)"
  fi
}

# mt_can_apt: whether this script may install packages itself (root, on a system with apt-get).
mt_can_apt() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

# mt_apt_install PACKAGE...: apt-get update (once per run) and install, waiting for the package
# manager's locks when another install holds them (up to MT_APT_LOCK_TIMEOUT seconds, default 600)
# rather than failing at once: install waits for the dpkg lock itself (DPkg::Lock::Timeout); update's
# lock on the package lists has no such option, so update is tried again while that lock is held.
mt_apt_install() {
  local timeout=${MT_APT_LOCK_TIMEOUT:-600}
  local apt=(apt-get -o "DPkg::Lock::Timeout=$timeout")
  if [ -z "${MT_APT_UPDATED:-}" ]; then
    local waited=0 output
    until output=$(DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq 2>&1); do
      if [[ $output != *"Could not get lock"* ]] || [ "$waited" -ge "$timeout" ]; then
        printf '%s\n' "$output" >&2
        mt_say "apt-get update failed"
        return 1
      fi
      [ "$waited" -gt 0 ] || mt_say "waiting for another apt-get to let go of its lock ..."
      sleep 2
      waited=$((waited + 2))
    done
    [ -z "$output" ] || printf '%s\n' "$output" >&2
    export MT_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "$@" >&2
}

# mt_check_hosts_file: warn when 'localhost' is not in /etc/hosts (a minimal container or chroot): MPI
# launchers then ask DNS for it at every start, and without a network each launch waits seconds.
mt_check_hosts_file() {
  if command -v getent >/dev/null 2>&1 && ! getent -s files hosts localhost >/dev/null 2>&1; then
    mt_say "warning: 'localhost' is not in /etc/hosts: every MPI launch asks DNS for it and may wait seconds (add the line '127.0.0.1 localhost')"
  fi
}

# mt_new_build_args: what a folder configured for the first time gets: a Release build, made by Ninja where it is
# installed and CMAKE_GENERATOR chooses no other (a build with nothing to do then takes a third of a second, not the
# seconds make's recursion takes, and every script and batch job starts with one). An existing folder keeps the
# generator it was made with; one a line.
mt_new_build_args() {
  echo -DCMAKE_BUILD_TYPE=Release
  if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null 2>&1; then printf '%s\n' -G Ninja; fi
}

# mt_configured_since_installs: mt_build configured BUILD_DIR (its log beside it) after the last change to the
# system's packages (Debian's package database; where there is none, never: configure each time).
mt_configured_since_installs() {
  local packages=/var/lib/dpkg/status
  [ -f "$packages" ] && [ "$BUILD_DIR.configure.log" -nt "$packages" ]
}

# mt_build [CMAKE_ARGS...]: configure BUILD_DIR when it is new, when arguments are given, or when packages were
# installed since it was (a library found then builds what needed it), then build what changed (CMake configures
# again by itself when its own files changed). One build of a folder at a time (a lock beside it): two scripts, or
# two tests, configuring one folder at once would spoil each other's checks.
# shellcheck disable=SC2120 # the arguments are optional
mt_build() {
  local new=() lock
  if [ "$MT_INSTALLED" = 1 ]; then mt_check_installed; return 0; fi
  mkdir -p -- "$(dirname -- "$BUILD_DIR")"
  exec {lock}>>"$BUILD_DIR.lock"
  flock "$lock"
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || mapfile -t new < <(mt_new_build_args)
  if [ ${#new[@]} -gt 0 ] || [ $# -gt 0 ] || ! mt_configured_since_installs; then
    # A failed configure's log is shown, then removed: the next call configures again.
    cmake -S "$MT_ROOT" -B "$BUILD_DIR" "${new[@]}" "$@" >"$BUILD_DIR.configure.log" 2>&1 ||
      { cat -- "$BUILD_DIR.configure.log" >&2; rm -f -- "$BUILD_DIR.configure.log"; mt_die "cmake configure failed"; }
  fi
  grep -E 'left out|built with' "$BUILD_DIR.configure.log" >&2 || true
  mt_say "-- building in ${BUILD_DIR#"$MT_ROOT"/}/"
  cmake --build "$BUILD_DIR" -j "$MT_NPROC" >"$BUILD_DIR.build.log" 2>&1 ||
    { cat -- "$BUILD_DIR.build.log" >&2; mt_die "build failed"; }
  grep -E 'warning:' "$BUILD_DIR.build.log" >&2 || true
  exec {lock}>&-
}

# mt_check_installed: an installation has its programs (at least cube_omp) beside its scripts.
mt_check_installed() {
  [ -x "$MT_PREFIX/bin/cube_omp" ] || mt_die "the programs are not in $MT_PREFIX/bin: is the installation whole?"
}

# mt_mpi_cmake_args LIBRARY: the CMake arguments that build against LIBRARY, one a line (openmpi: none,
# it is Debian's default; mpich: its compiler wrapper and launcher, installed side by side).
mt_mpi_cmake_args() {
  mt_check_mpi "$1"
  if [ "$1" = mpich ]; then
    printf '%s\n' "-DMPI_C_COMPILER=$(command -v mpicc.mpich || echo mpicc.mpich)" \
      "-DMPIEXEC_EXECUTABLE=$(command -v mpiexec.mpich || echo mpiexec.mpich)"
  fi
}

# mt_cmake_cache NAME: a value from the build's CMake cache (empty when absent). Lines are NAME:TYPE=VALUE.
# Installed: the launcher's settings of the build the programs came from (share/multitarefas/launcher.cache).
mt_cmake_cache() {
  local line cache=$BUILD_DIR/CMakeCache.txt
  [ "$MT_INSTALLED" = 0 ] || cache=$MT_ROOT/launcher.cache
  [ -f "$cache" ] || return 0
  while IFS= read -r line; do
    if [[ $line == "$1":*=* ]]; then
      printf '%s\n' "${line#*=}"
      return 0
    fi
  done <"$cache"
}

# The MPI launcher CMake found (FindMPI's MPIEXEC_EXECUTABLE), or mpiexec on PATH (an installation moved to a
# machine where that launcher is elsewhere: a cluster's MPI module).
mt_mpiexec() {
  local exe
  exe=$(mt_cmake_cache MPIEXEC_EXECUTABLE)
  [ -n "$exe" ] && [ -x "$exe" ] || exe=$(command -v mpiexec || true)
  echo "$exe"
}

# Whether the launcher is Open MPI's (from its --version, not from the distribution).
# (Read whole, then matched: under pipefail, grep -q leaving a pipe early can fail the writer with SIGPIPE.)
mt_is_open_mpi() {
  local version
  version=$("$(mt_mpiexec)" --version 2>/dev/null) || true
  [[ $version == *"Open MPI"* || $version == *OpenRTE* ]]
}

# mt_mpirun NP COMMAND...: launch with FindMPI's flags and the switches Open MPI needs here, and only
# those: running as root needs --allow-run-as-root, more ranks than cores need --oversubscribe.
# MPICH's Hydra needs neither. Each launch gets a TMPDIR of its own, removed afterwards: Open MPI keeps
# its session folder under TMPDIR (ompi.HOST.UID), and two launches at once would race on the shared one;
# its shared-memory files go there too (they are named after a job number two launches may share).
mt_mpirun() {
  local np=$1; shift
  local exe flags=() numproc pre post
  exe=$(mt_mpiexec)
  [ -n "$exe" ] || mt_die "no MPI launcher found (install openmpi-bin)"
  if mt_is_open_mpi; then
    [ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
    [ "$np" -gt "$MT_NPROC" ] && flags+=(--oversubscribe)
  fi
  numproc=$(mt_cmake_cache MPIEXEC_NUMPROC_FLAG) pre=$(mt_cmake_cache MPIEXEC_PREFLAGS) post=$(mt_cmake_cache MPIEXEC_POSTFLAGS)
  local pre_flags=() post_flags=() args=() arg placed=0
  read -r -a pre_flags <<<"$pre"
  read -r -a post_flags <<<"$post"
  # FindMPI's order: launcher, -n N, PREFLAGS, the program, POSTFLAGS, the program's arguments. The
  # program is the first argument that is an executable path (launcher options may come before it).
  for arg in "$@"; do
    args+=("$arg")
    if [ "$placed" -eq 0 ] && [[ $arg == */* ]] && [ -x "$arg" ] && [ ! -d "$arg" ]; then
      args+=("${post_flags[@]}") placed=1
    fi
  done
  [ "$placed" -eq 1 ] || args+=("${post_flags[@]}")
  local session status=0
  session=$(mktemp -d -- "${TMPDIR:-/tmp}/mt-mpirun.XXXXXX") || mt_die "cannot make a session folder in ${TMPDIR:-/tmp}"
  TMPDIR=$session OMPI_MCA_btl_vader_backing_directory=$session "$exe" "${flags[@]}" "${numproc:--n}" "$np" "${pre_flags[@]}" "${args[@]}" || status=$?
  rm -rf -- "$session"
  return "$status"
}

# Why mt_mpirun adds what it adds, in one line, for the demo to print.
mt_mpirun_reason() {
  local np=$1 why=()
  if mt_is_open_mpi; then
    [ "$(id -u)" -eq 0 ] && why+=("--allow-run-as-root: Open MPI refuses root without it")
    [ "$np" -gt "$MT_NPROC" ] && why+=("--oversubscribe: $np ranks on $MT_NPROC cores")
  fi
  local joined="" item
  for item in "${why[@]}"; do joined+="${joined:+; }$item"; done
  echo "$joined"
}

# mt_build_target TARGET: configure BUILD_DIR when it never was, then build TARGET alone (a benchmark needs no
# more of the suite).
mt_build_target() {
  local lock new
  if [ "$MT_INSTALLED" = 1 ]; then mt_check_installed; return 0; fi
  mkdir -p -- "$(dirname -- "$BUILD_DIR")"
  exec {lock}>>"$BUILD_DIR.lock" # one build of a folder at a time, as mt_build
  flock "$lock"
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    mapfile -t new < <(mt_new_build_args)
    cmake -S "$MT_ROOT" -B "$BUILD_DIR" "${new[@]}" >&2 || mt_die "cmake configure failed"
  fi
  cmake --build "$BUILD_DIR" -j "$MT_NPROC" --target "$1" >&2 || mt_die "building $1 failed"
  exec {lock}>&-
}

# mt_run_folder NAME: MT_RUN_DIR, a folder of this run's own, removed at exit together with MT_ALSO_REMOVE (a
# path) and the background process MT_BACKGROUND_PID names (a server), if any.
mt_run_folder() {
  MT_RUN_DIR=$(mktemp -d -- "${TMPDIR:-/tmp}/$1.XXXXXX")
  MT_BACKGROUND_PID="" MT_ALSO_REMOVE=""
  trap mt_run_folder_cleanup EXIT
}

# mt_stop_background: stop MT_BACKGROUND_PID's process, if any, and wait for it.
mt_stop_background() {
  if [ -n "${MT_BACKGROUND_PID:-}" ]; then
    kill "$MT_BACKGROUND_PID" 2>/dev/null || true
    wait "$MT_BACKGROUND_PID" 2>/dev/null || true
  fi
  MT_BACKGROUND_PID=""
}

# shellcheck disable=SC2317 # called by the trap
mt_run_folder_cleanup() {
  mt_stop_background
  rm -rf -- "${MT_RUN_DIR:-}" ${MT_ALSO_REMOVE:+"$MT_ALSO_REMOVE"}
}

# mt_image_server FOLDER [OPTION...]: scripts/image_server.py on a free loopback port, in the background
# (MT_BACKGROUND_PID), with those options; returns once FOLDER/port holds its port.
mt_image_server() {
  local folder=$1
  shift
  "$(mt_python)" "$MT_ROOT/scripts/image_server.py" --port 0 --port-file "$folder/port" "$@" \
    >"$folder/server.out" 2>"$folder/server.err" &
  MT_BACKGROUND_PID=$!
  for _ in $(seq 100); do [ -s "$folder/port" ] && break; sleep 0.05; done
  [ -s "$folder/port" ] || mt_die "the image server did not start: $(cat -- "$folder/server.err")"
}
