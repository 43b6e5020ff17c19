#!/usr/bin/env bash
# test.sh - build (if needed) and run the whole test suite with ctest, then print its summary.
set -euo pipefail
MT_SCRIPT=test.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [OPTION]...
Build the suite if needed and run its tests (ctest), installing missing dependencies as root on Debian.

  --sanitize KIND   build in its own folder with sanitizers and run the tests they apply to:
                    address (ASan + UBSan, gcc) or thread (TSan, clang + libomp)
  -L, --label RE    run only the tests whose ctest label matches RE (unit, cli, mpi, net, sanitize)
  -j N              tests run at once (default: the number of cores)
  -h, --help        this help

Environment: BUILD_DIR (default build/, or build-SANITIZER with --sanitize).
USAGE
}

sanitize="" label="" jobs=$MT_NPROC
while [ $# -gt 0 ]; do
  case $1 in
    --sanitize) sanitize=${2:?--sanitize needs address or thread}; shift 2 ;;
    -L|--label) label=${2:?--label needs a regular expression}; shift 2 ;;
    -j) jobs=${2:?-j needs a number}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see scripts/test.sh --help)" 2 ;;
  esac
done

cmake_args=(-DMT_WERROR=ON)
ctest_env=()
case $sanitize in
  "") mt_require build tests lint ;;
  address)
    mt_require build tests
    BUILD_DIR=${BUILD_DIR_SANITIZE:-$MT_ROOT/build-asan}
    cmake_args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DMT_SANITIZE=address,undefined")
    ctest_env+=("ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0"
      "LSAN_OPTIONS=fast_unwind_on_malloc=0:suppressions=$MT_ROOT/tests/sanitize/lsan.supp"
      "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
      "OMPI_MCA_mca_base_component_disable_dlclose=1")
    ;;
  thread)
    mt_require build tests sanitize
    BUILD_DIR=${BUILD_DIR_SANITIZE:-$MT_ROOT/build-tsan}
    cmake_args+=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMT_SANITIZE=thread)
    # libomp loads Archer, which tells TSan about OpenMP's synchronization; the runtime itself is not
    # instrumented, so its internals are left out of the reports.
    ctest_env+=("TSAN_OPTIONS=ignore_noninstrumented_modules=1:halt_on_error=1:exitcode=66")
    [ -n "$label" ] || label='unit|cli|sanitize'
    ;;
  *) mt_die "--sanitize: unknown kind '$sanitize' (address or thread)" 2 ;;
esac

mt_build "${cmake_args[@]}"
ctest_args=(--test-dir "$BUILD_DIR" --output-on-failure -j "$jobs")
[ -n "$label" ] && ctest_args+=(-L "$label")
env "${ctest_env[@]}" ctest "${ctest_args[@]}"
