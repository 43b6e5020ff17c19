#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# test.sh - build (if needed) and run the whole test suite with ctest, then print its summary.
set -euo pipefail
MT_SCRIPT=test.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [OPTION]...
Build the suite if needed and run its tests (ctest), installing missing dependencies as root on Debian.
Each variant builds in a folder of its own (build/, build-mpich/, build-clang/, build-asan/, ...).

  --mpi LIBRARY     openmpi (default) or mpich: build against that MPI and launch with its mpiexec
  --compiler CC     gcc (default) or clang
  --without PART    configure without mpi (no cube_mpi) or without curl (no download)
  --sanitize KIND   address (ASan + UBSan, gcc) or thread (TSan, clang + libomp, which loads Archer)
  -L, --label RE    run only the tests whose ctest label matches RE:
                    unit, cli, mpi, net, scripts, sanitize, slurm, multihost, lint, fuzz, install
  -E, --exclude RE  leave out the tests whose name matches RE
  -j N              tests run at once (default: the number of cores); above 1, the two-node
                    Slurm test, which mostly waits on its scheduler, runs beside them (they at nice 5)
  -h, --help        this help

Environment: BUILD_DIR overrides the build folder.
USAGE
}

mpi=openmpi compiler=gcc without="" sanitize="" label="" exclude="" jobs=$MT_NPROC
while [ $# -gt 0 ]; do
  case $1 in
    --mpi) mt_need "${2:-}" "--mpi needs openmpi or mpich"; mpi=$2; shift 2 ;;
    --compiler) mt_need "${2:-}" "--compiler needs gcc or clang"; compiler=$2; shift 2 ;;
    --without) mt_need "${2:-}" "--without needs mpi or curl"; without=$2; shift 2 ;;
    --sanitize) mt_need "${2:-}" "--sanitize needs address or thread"; sanitize=$2; shift 2 ;;
    -L|--label) mt_need "${2:-}" "--label needs a regular expression"; label=$2; shift 2 ;;
    -E|--exclude) mt_need "${2:-}" "--exclude needs a regular expression"; exclude=$2; shift 2 ;;
    -j) mt_need "${2:-}" "-j needs a number"; jobs=$2; shift 2 ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see scripts/test.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see scripts/test.sh --help)" 2 ;;
  esac
done

# Every value checked before anything is installed or built.
mt_check_mpi "$mpi"
mt_check_choice "$compiler" --compiler gcc clang
[ -z "$without" ] || mt_check_choice "$without" --without mpi curl
[ -z "$sanitize" ] || mt_check_choice "$sanitize" --sanitize address thread
mt_check_count "$jobs" -j

# Everything the default run needs, so its tests run rather than skip: gnuplot for the plots, the
# linters (shellcheck, flake8, clang-format) for the lint test, and a local Slurm for the batch-job test.
groups=(build tests lint plots slurm)
cmake_args=(-DMT_WERROR=ON)
ctest_env=()
variant=""
if [ "$mpi" = mpich ]; then
  groups+=(mpich) variant+=-mpich
fi
case $compiler in
  gcc) ;;
  clang) groups+=(sanitize) variant+=-clang cmake_args+=(-DCMAKE_C_COMPILER=clang) ;;
  *) mt_die "--compiler: unknown compiler '$compiler' (gcc or clang)" 2 ;;
esac
case $without in
  "") ;;
  mpi) variant+=-nompi cmake_args+=(-DMT_WITH_MPI=OFF) ;;
  curl) variant+=-nocurl cmake_args+=(-DMT_WITH_CURL=OFF) ;;
  *) mt_die "--without: unknown part '$without' (mpi or curl)" 2 ;;
esac
case $sanitize in
  "") ;;
  address)
    variant+=-asan
    cmake_args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DMT_SANITIZE=address,undefined")
    # LeakSanitizer stays on; Open MPI's own allocations are suppressed, ours are not (cube_mpi records the
    # whole stack of each allocation for it: mpi/asan_options.c).
    ctest_env+=("ASAN_OPTIONS=detect_leaks=1:abort_on_error=0"
      "LSAN_OPTIONS=print_suppressions=0:suppressions=$MT_ROOT/tests/sanitize/lsan.supp"
      "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
      "OMPI_MCA_mca_base_component_disable_dlclose=1")
    ;;
  thread)
    groups+=(sanitize) variant+=-tsan
    cmake_args+=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMT_SANITIZE=thread)
    # libomp loads Archer, which tells TSan about OpenMP's synchronization; the runtime itself is not
    # instrumented, so its internals are left out of the reports. MPI's progress engine is not
    # instrumented either: the MPI tests stay out of this run. tsan.supp says what it hides and why.
    ctest_env+=("TSAN_OPTIONS=ignore_noninstrumented_modules=1:halt_on_error=1:exitcode=66:suppressions=$MT_ROOT/tests/sanitize/tsan.supp")
    [ -n "$label" ] || label='unit|cli|net|sanitize'
    ;;
  *) mt_die "--sanitize: unknown kind '$sanitize' (address or thread)" 2 ;;
esac

mt_require "${groups[@]}"
mt_check_hosts_file
mapfile -t mpi_args < <(mt_mpi_cmake_args "$mpi")
cmake_args+=("${mpi_args[@]}")
if [ -z "$MT_BUILD_DIR_GIVEN" ] && [ -n "$variant" ]; then
  BUILD_DIR=$MT_ROOT/build$variant
fi
mt_build "${cmake_args[@]}"
selection=()
[ -n "$label" ] && selection+=(-L "$label")
[ -n "$exclude" ] && selection+=(-E "$exclude")

# The two-node Slurm test spends most of its minutes waiting on the scheduler and its jobs' launches, a core
# idle behind it: when it is selected and tests run at once, it runs beside the others in a ctest of its own, in
# a process group of its own with SIGINT as a terminal gives it (a script's background job would ignore it), so
# that a Ctrl-C or a TERM reaches it through the trap and it tears its cluster down. Its report follows theirs.
lane=slurm_two_nodes lane_pid="" lane_log="" listed=""
[ "$jobs" -le 1 ] || listed=$(ctest --test-dir "$BUILD_DIR" -N "${selection[@]}" -R "^$lane\$")
if grep -qx 'Total Tests: 1' <<<"$listed"; then
  mt_run_folder test-lane
  lane_log=$MT_RUN_DIR/$lane.log
  setsid env --default-signal=INT "${ctest_env[@]}" ctest --test-dir "$BUILD_DIR" --output-on-failure \
    -R "^$lane\$" >"$lane_log" 2>&1 &
  lane_pid=$!
  trap 'kill -INT -- "-$lane_pid" 2>/dev/null; wait "$lane_pid"; exit 130' INT TERM
  exclude="${exclude:+$exclude|}^$lane\$"
fi

ctest_args=(--test-dir "$BUILD_DIR" --output-on-failure -j "$jobs")
[ -n "$label" ] && ctest_args+=(-L "$label")
[ -n "$exclude" ] && ctest_args+=(-E "$exclude")
# Beside the lane the others run at a lower priority (nice 5): its jobs, which wait on each other, then start as
# soon as they can, and it ends well before them instead of after.
priority=()
[ -z "$lane_pid" ] || priority=(nice -n 5)
status=0
"${priority[@]}" env "${ctest_env[@]}" ctest "${ctest_args[@]}" || status=$?
if [ -n "$lane_pid" ]; then
  lane_status=0
  wait "$lane_pid" || lane_status=$?
  trap - INT TERM
  printf '%s\n' "-- $lane, run beside the tests above:"
  cat -- "$lane_log"
  [ "$lane_status" -eq 0 ] || status=$lane_status
fi
exit "$status"
