# lib.sh - shared by the scripts in this folder (sourced, not run): where things are, the dependency
# check and install, the build, and the MPI launcher with only the switches it needs.
# shellcheck shell=bash

MT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034 # read by the scripts that source this file
MT_BUILD_DIR_GIVEN=${BUILD_DIR:+1}
BUILD_DIR=${BUILD_DIR:-$MT_ROOT/build}
MT_NPROC=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

mt_say() { printf '%s\n' "$*" >&2; }
mt_die() { printf '%s: error: %s\n' "${MT_SCRIPT:-multitarefas}" "$1" >&2; exit "${2:-1}"; }

# mt_need VALUE MESSAGE: an option's value, or the usage error (exit 2) saying what it needs.
mt_need() { [ -n "$1" ] || mt_die "$2" 2; }

# Python with Debian's packages (pytest): the system's, not whatever python3 comes first on PATH.
mt_python() { if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi; }

# Each dependency: a group, a probe that succeeds when it is there, and the Debian packages that bring it.
# Groups: build (the programs), tests (ctest's suites), sanitize (ASan, UBSan, TSan with clang), lint,
# plots, mpich (the second MPI library), slurm (a local batch system for the batch-job tests).
mt_dependencies() {
  cat <<'LIST'
build|command -v cc && command -v make|build-essential
build|command -v cmake|cmake
build|command -v pkg-config|pkg-config
build|command -v flock|util-linux
build|pkg-config --exists jansson|libjansson-dev
build|pkg-config --exists libcurl|libcurl4-openssl-dev
build|command -v mpicc && command -v mpiexec|libopenmpi-dev openmpi-bin
build|command -v python3|python3
tests|pkg-config --exists cmocka|libcmocka-dev
tests|command -v /usr/bin/python3 && /usr/bin/python3 -c 'import pytest'|python3-pytest
tests|command -v ip && command -v unshare|iproute2 util-linux
sanitize|command -v clang && printf 'int main(void){return 0;}\n' | clang -fopenmp -fsanitize=thread -x c - -o /dev/null|clang libomp-dev libclang-rt-14-dev
lint|command -v shellcheck|shellcheck
plots|command -v gnuplot|gnuplot-nox
mpich|command -v mpicc.mpich && command -v mpiexec.mpich|mpich libmpich-dev
slurm|command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged|slurm-wlm munge
LIST
}

# mt_require GROUP...: install what the groups need (as root on Debian) or print the install line and stop.
mt_require() {
  local missing=() group probe packages wanted
  while IFS='|' read -r group probe packages; do
    for wanted in "$@"; do
      [ "$group" = "$wanted" ] || continue
      if ! bash -c "$probe" >/dev/null 2>&1; then
        # shellcheck disable=SC2206
        missing+=($packages)
      fi
    done
  done < <(mt_dependencies)
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    mt_say "Installing what is missing: ${missing[*]}"
    if [ -z "${MT_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || mt_die "apt-get update failed"
      export MT_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      mt_die "could not install: ${missing[*]}"
  else
    mt_die "missing: ${missing[*]}. On Debian or Ubuntu: sudo $line (other systems: the same libraries; clusters: module load)"
  fi
}

# mt_check_hosts_file: warn when 'localhost' is not in /etc/hosts (a minimal container or chroot): MPI
# launchers then ask DNS for it at every start, and without a network each launch waits seconds.
mt_check_hosts_file() {
  if command -v getent >/dev/null 2>&1 && ! getent -s files hosts localhost >/dev/null 2>&1; then
    mt_say "warning: 'localhost' is not in /etc/hosts: every MPI launch asks DNS for it and may wait seconds (add the line '127.0.0.1 localhost')"
  fi
}

# mt_build [CMAKE_ARGS...]: configure BUILD_DIR (again each time: a few seconds, and it sees what was
# installed since), then build what changed. One build of a folder at a time (a lock beside it): two
# scripts, or two tests, configuring one folder at once would spoil each other's checks.
# shellcheck disable=SC2120 # the arguments are optional
mt_build() {
  local type=() lock
  mkdir -p "$(dirname "$BUILD_DIR")"
  exec {lock}>>"$BUILD_DIR.lock"
  flock "$lock"
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || type=(-DCMAKE_BUILD_TYPE=Release)
  cmake -S "$MT_ROOT" -B "$BUILD_DIR" "${type[@]}" "$@" >"$BUILD_DIR.configure.log" 2>&1 ||
    { cat "$BUILD_DIR.configure.log" >&2; mt_die "cmake configure failed"; }
  grep -E 'left out|built with' "$BUILD_DIR.configure.log" >&2 || true
  mt_say "-- building in ${BUILD_DIR#"$MT_ROOT"/}/"
  cmake --build "$BUILD_DIR" -j "$MT_NPROC" >"$BUILD_DIR.build.log" 2>&1 ||
    { cat "$BUILD_DIR.build.log" >&2; mt_die "build failed"; }
  grep -E 'warning:' "$BUILD_DIR.build.log" >&2 || true
  exec {lock}>&-
}

# mt_mpi_cmake_args LIBRARY: the CMake arguments that build against LIBRARY (openmpi: none, it is
# Debian's default; mpich: its compiler wrapper and launcher, installed side by side).
mt_mpi_cmake_args() {
  case $1 in
    openmpi) ;;
    mpich) echo "-DMPI_C_COMPILER=$(command -v mpicc.mpich || echo mpicc.mpich)" \
      "-DMPIEXEC_EXECUTABLE=$(command -v mpiexec.mpich || echo mpiexec.mpich)" ;;
    *) mt_die "--mpi: unknown library '$1' (openmpi or mpich)" 2 ;;
  esac
}

# mt_cmake_cache NAME: a value from the build's CMake cache (empty when absent).
mt_cmake_cache() {
  [ -f "$BUILD_DIR/CMakeCache.txt" ] && sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt"
  return 0
}

# The MPI launcher CMake found (FindMPI's MPIEXEC_EXECUTABLE), or mpiexec on PATH.
mt_mpiexec() {
  local exe
  exe=$(mt_cmake_cache MPIEXEC_EXECUTABLE)
  [ -n "$exe" ] || exe=$(command -v mpiexec || true)
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
# MPICH's Hydra needs neither.
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
  "$exe" "${flags[@]}" "${numproc:--n}" "$np" "${pre_flags[@]}" "${args[@]}"
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
