# job_lib.sh - shared by the batch-job templates in scripts/slurm/ and scripts/pbs/ (sourced, not run):
# where the suite is, the build, the threads the allocation gives, how to launch ranks, and one CSV
# of the shared record per job, so runs from a cluster and from a laptop plot together
# (scripts/scaling.sh --analyze results/*.csv build/scaling/scaling.csv).
# shellcheck shell=bash
#
# A template sets MT_ROOT before sourcing this (the folder the job was submitted from, where
# scripts/lib.sh is). Environment a job takes (sbatch --export=ALL,NAME=VALUE; qsub -v NAME=VALUE):
#   MT_RESULTS   folder of the CSV files (default: results/ under the suite)
#   MT_CSV       the CSV file (default: MT_RESULTS/JOBNAME-JOBID.csv)
#   MT_WORK      sleep, spin or none (default spin: CPU-bound, what a core count is for)
#   MT_DELAY     seconds of work per item (default 0.05)
#   MT_ITEMS     items of a strong-scaling run (default: 4 for each of the most workers; none: 2^24)
#   MT_REPEAT    timed runs per point, after one warm-up (default 5)
#   MT_LAUNCHER  srun or mpirun, how ranks start (default: srun under Slurm, mpirun elsewhere)
#   MT_SRUN_MPI  srun's --mpi plugin (default: pmix for Open MPI, pmi2 for MPICH and its derivatives,
#                told apart by the build's launcher; srun --mpi=list shows what a cluster has)
#   BUILD_DIR    the build folder (default: build/ under the suite)

# shellcheck source=scripts/lib.sh
source "$MT_ROOT/scripts/lib.sh"

# The programs: built if cmake is here (configure once, then only what changed), else already built
# (on a cluster: load the compiler and MPI modules first, build on a login node).
if command -v cmake >/dev/null 2>&1; then
  mt_build
fi
[ -x "$BUILD_DIR/omp/cube_omp" ] || mt_die "the suite is not built in $BUILD_DIR (run cmake on a login node)"

MT_JOB_ID=${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-${PBS_JOBID:-local}}}
MT_JOB_ID=${MT_JOB_ID%%.*}
[ -n "${SLURM_ARRAY_TASK_ID:-}" ] && MT_JOB_ID+="_$SLURM_ARRAY_TASK_ID"
MT_JOB_NAME=${SLURM_JOB_NAME:-${PBS_JOBNAME:-mt-job}}

# Threads: what the allocation gives each task (--cpus-per-task, PBS ompthreads/ncpus), else 2.
# srun since Slurm 22.05 no longer inherits --cpus-per-task from sbatch: the templates pass it again.
if [ -z "${SLURM_JOB_ID:-}" ] && [ -z "${PBS_JOBID:-}" ]; then
  mt_say "note: not inside a batch job: running with the defaults"
fi
if [ -n "${SLURM_JOB_ID:-}" ] && [ -z "${SLURM_CPUS_PER_TASK:-}" ]; then
  mt_say "warning: SLURM_CPUS_PER_TASK is unset (no --cpus-per-task): ${MT_DEFAULT_THREADS:-2} threads a task"
fi
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-${MT_PBS_THREADS:-${MT_DEFAULT_THREADS:-2}}}
# Each thread on its own core, the threads of a task next to each other.
export OMP_PLACES=${OMP_PLACES:-cores}
export OMP_PROC_BIND=${OMP_PROC_BIND:-close}

MT_RESULTS=${MT_RESULTS:-$MT_ROOT/results}
mkdir -p "$MT_RESULTS"
MT_CSV=${MT_CSV:-$MT_RESULTS/$MT_JOB_NAME-$MT_JOB_ID.csv}
MT_WORK=${MT_WORK:-spin}
MT_DELAY=${MT_DELAY:-0.05}
MT_REPEAT=${MT_REPEAT:-5}
if [ -n "${SLURM_JOB_ID:-}" ]; then MT_LAUNCHER=${MT_LAUNCHER:-srun}; else MT_LAUNCHER=${MT_LAUNCHER:-mpirun}; fi
if [ -z "${MT_SRUN_MPI:-}" ]; then
  if mt_is_open_mpi; then MT_SRUN_MPI=pmix; else MT_SRUN_MPI=pmi2; fi
  if [ -x "$BUILD_DIR/mpi/cube_mpi" ] && ! "$(mt_mpiexec)" --version >/dev/null 2>&1; then
    mt_say "warning: cannot run the build's MPI launcher '$(mt_mpiexec)' to tell its MPI: srun gets --mpi=$MT_SRUN_MPI (set MT_SRUN_MPI to choose)"
  fi
fi

# mt_job_powers N: 1 2 4 ... up to N, and N itself.
mt_job_powers() {
  local n=$1 w
  for ((w = 1; w < n; w *= 2)); do printf '%s ' "$w"; done
  printf '%s\n' "$n"
}

# mt_job_items WORKERS: the items of a strong-scaling run.
mt_job_items() {
  if [ -n "${MT_ITEMS:-}" ]; then echo "$MT_ITEMS"
  elif [ "$MT_WORK" = none ]; then echo $((1 << 24))
  else echo $((4 * $1)); fi
}

# mt_job_work: the --work and --delay options of every point.
mt_job_work() {
  if [ "$MT_WORK" = none ]; then echo "--work none"; else echo "--work $MT_WORK --delay $MT_DELAY"; fi
}

# mt_job_point COMMAND...: run one point with --csv and append its row to MT_CSV (the header when the
# file is new, or when its columns differ from the last header in it).
mt_job_point() {
  local out header
  out=$("$@" --csv) || mt_die "this point failed: $*"
  header=$(printf '%s\n' "$out" | head -n 1)
  if [ ! -s "$MT_CSV" ] || [ "$(grep '^program,' "$MT_CSV" | tail -n 1)" != "$header" ]; then
    printf '%s\n' "$out" >>"$MT_CSV"
  else
    printf '%s\n' "$out" | tail -n +2 >>"$MT_CSV"
  fi
  # Progress: a few fields found by name (none of them holds a comma).
  printf '%s\n' "$out" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { print $col["program"], $col["mode"] ": " $col["ranks"] " rank(s) x " $col["threads"] " thread(s), n " $col["n"] ", " $col["time_s"] " s" }' >&2
}

# mt_job_threads T COMMAND...: one task of T threads.
mt_job_threads() {
  local threads=$1; shift
  if [ "$MT_LAUNCHER" = srun ]; then
    srun --ntasks=1 --cpus-per-task="$threads" "$@"
  else
    "$@"
  fi
}

# mt_job_ranks P T COMMAND...: P ranks of T threads each. srun gives each task T CPUs; mpirun inside a
# job takes the allocation as it is, and a hybrid rank gets --bind-to none (Open MPI binds a rank to
# one core at np <= 2: its threads would share it). MT_MPIRUN_BIND replaces that, e.g.
# "--map-by slot:PE=4 --bind-to core" (Open MPI) or "-bind-to core:4" (Hydra) on a node with the cores
# to spare.
mt_job_ranks() {
  local ranks=$1 threads=$2; shift 2
  if [ "$MT_LAUNCHER" = srun ]; then
    srun --ntasks="$ranks" --cpus-per-task="$threads" --mpi="$MT_SRUN_MPI" "$@"
  else
    local flags=()
    if [ -n "${MT_MPIRUN_BIND:-}" ]; then
      read -r -a flags <<<"$MT_MPIRUN_BIND"
    elif [ "$threads" -gt 1 ]; then
      flags=(--bind-to none)
    fi
    [ -n "${PBS_NODEFILE:-}" ] && [ -r "${PBS_NODEFILE:-}" ] && flags+=(--hostfile "$PBS_NODEFILE")
    local slots=${SLURM_NTASKS:-${MT_PBS_RANKS:-$MT_NPROC}}
    if [ "$ranks" -gt "$slots" ] && [ "$ranks" -le "$MT_NPROC" ] && mt_is_open_mpi; then
      flags+=(--oversubscribe)
    fi
    # mpirun places the ranks; OMP_PROC_BIND would pin every rank's first thread to the first core of
    # a rank's CPUs, which are all the node's with --bind-to none: the threads stay free instead.
    (unset OMP_PROC_BIND OMP_PLACES; mt_mpirun "$ranks" "${flags[@]}" "$@")
  fi
}

mt_job_banner() {
  local launcher=$MT_LAUNCHER
  [ "$launcher" = srun ] && launcher+=" (ranks with --mpi=$MT_SRUN_MPI)"
  mt_say "job $MT_JOB_ID ($MT_JOB_NAME) on $(hostname -s): ${SLURM_NTASKS:-${MT_PBS_RANKS:-1}} task(s) x $OMP_NUM_THREADS CPU(s); work $MT_WORK; launcher $launcher; rows into $MT_CSV"
}
