# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# job_lib.sh - shared by the batch-job templates in scripts/slurm/ and scripts/pbs/ (sourced, not run):
# where the suite is, the build, the threads the allocation gives, how to launch ranks, and one CSV
# of the shared record per job, so runs from a cluster and from a laptop plot together
# (scripts/scaling.sh --analyze results/*.csv build/scaling/scaling.csv).
# shellcheck shell=bash
#
# A template finds this file (a checkout's, or an installation's through the module or PATH) and sources it;
# it sources scripts/lib.sh beside it, which tells a checkout (programs built here) from an installation
# (programs in PREFIX/bin). Environment a job takes (sbatch --export=ALL,NAME=VALUE; qsub -v NAME=VALUE):
#   MT_RESULTS   folder of the CSV files (default: results/ under a checkout; installed: results/ in the
#                folder the job was submitted from)
#   MT_CSV       the CSV file (default: MT_RESULTS/JOBNAME-JOBID.csv)
#   MT_WORK      sleep, spin or none (default spin: CPU-bound, what a core count is for)
#   MT_DELAY     seconds of work per item (default 0.05)
#   MT_ITEMS     items of a strong-scaling run (default: 4 for each of the most workers; none: 2^24)
#   MT_REPEAT    timed runs per point, after one warm-up (default 5)
#   MT_LAUNCHER  srun or mpirun, how ranks start (default: srun under Slurm, mpirun elsewhere)
#   MT_SRUN_MPI  srun's --mpi plugin (default: pmix for Open MPI, pmi2 for MPICH and its derivatives,
#                told apart by the build's launcher; srun --mpi=list shows what a cluster has)
#   BUILD_DIR    the build folder (default: build/ under a checkout; installed: not used)

# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/../lib.sh"

# The job's settings, checked before anything is built or run (a usage error: one line, exit 2).
MT_WORK=${MT_WORK:-spin}
MT_DELAY=${MT_DELAY:-0.05}
MT_REPEAT=${MT_REPEAT:-5}
if [ -n "${SLURM_JOB_ID:-}" ]; then MT_LAUNCHER=${MT_LAUNCHER:-srun}; else MT_LAUNCHER=${MT_LAUNCHER:-mpirun}; fi
mt_check_choice "$MT_WORK" MT_WORK sleep spin none
mt_check_seconds "$MT_DELAY" MT_DELAY
mt_check_count "$MT_REPEAT" MT_REPEAT
[ -z "${MT_ITEMS:-}" ] || mt_check_count "$MT_ITEMS" MT_ITEMS
mt_check_choice "$MT_LAUNCHER" MT_LAUNCHER srun mpirun

# The programs: an installation's, or a checkout's, built if cmake is here (configure once, then only what
# changed), else already built (on a cluster: load the compiler and MPI modules first, build on a login node).
if [ "$MT_INSTALLED" = 1 ] || command -v cmake >/dev/null 2>&1; then
  mt_build
fi
[ -x "$(mt_program cube_omp)" ] || mt_die "the suite is not built in $BUILD_DIR (run cmake on a login node)"

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
# Each thread on its own core, the threads of a task next to each other (unless the job says otherwise;
# MT_OMP_PLACED=1 when these are ours).
MT_OMP_PLACED=0
[ -z "${OMP_PLACES:-}${OMP_PROC_BIND:-}" ] && MT_OMP_PLACED=1
export OMP_PLACES=${OMP_PLACES:-cores}
export OMP_PROC_BIND=${OMP_PROC_BIND:-close}

if [ "$MT_INSTALLED" = 1 ]; then
  MT_RESULTS=$(mt_path "${MT_RESULTS:-${SLURM_SUBMIT_DIR:-${PBS_O_WORKDIR:-$PWD}}/results}")
else
  MT_RESULTS=$(mt_path "${MT_RESULTS:-$MT_ROOT/results}")
fi
mkdir -p -- "$MT_RESULTS"
MT_CSV=$(mt_path "${MT_CSV:-$MT_RESULTS/$MT_JOB_NAME-$MT_JOB_ID.csv}")
# The allocation's nodes: Slurm's count, else the distinct hosts of PBS's node file, else this one.
if [ -n "${SLURM_JOB_NUM_NODES:-${SLURM_NNODES:-}}" ]; then
  MT_JOB_NODES=${SLURM_JOB_NUM_NODES:-$SLURM_NNODES}
elif [ -n "${PBS_NODEFILE:-}" ] && [ -r "${PBS_NODEFILE:-}" ]; then
  MT_JOB_NODES=$(sort -u -- "$PBS_NODEFILE" | wc -l)
else
  MT_JOB_NODES=1
fi
if [ -z "${MT_SRUN_MPI:-}" ]; then
  if mt_is_open_mpi; then MT_SRUN_MPI=pmix; else MT_SRUN_MPI=pmi2; fi
  if [ -x "$(mt_program cube_mpi)" ] && ! "$(mt_mpiexec)" --version >/dev/null 2>&1; then
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
# file is new, or when its columns differ from the last header in it). The record is split with the
# shell's own expansions and read by single commands, never by a pipeline: under pipefail, a reader
# that leaves early (head -n 1, grep -q) kills the writer with SIGPIPE when it writes after that, and
# bash's printf writes line by line, so the job would end with 141 now and then.
mt_job_point() {
  local out header last=""
  out=$("$@" --csv) || mt_die "this point failed: $*"
  header=${out%%$'\n'*}
  [ "$header" != "$out" ] || mt_die "this point printed no record: $*"
  if [ -s "$MT_CSV" ]; then last=$(awk '/^program,/ { line = $0 } END { print line }' "$MT_CSV"); fi
  if [ "$last" != "$header" ]; then
    printf '%s\n' "$out" >>"$MT_CSV"
  else
    printf '%s\n' "${out#*$'\n'}" >>"$MT_CSV"
  fi
  # Progress: a few fields found by name (none of them holds a comma).
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { print $col["program"], $col["mode"] ": " $col["ranks"] " rank(s) x " $col["threads"] " thread(s), n " $col["n"] ", " $col["time_s"] " s" }' <<<"$out" >&2
}

# mt_job_srun TASKS CPUS [SRUN_OPTION]... COMMAND...: a job step of TASKS tasks of CPUS CPUs each, on the
# nodes it needs, min(TASKS, the allocation's nodes), TASKS / nodes a node: left to itself srun spreads a
# smaller step over every node of the job and warns ("can't run 1 processes on 2 nodes"). The job's
# --ntasks-per-node (SLURM_NTASKS_PER_NODE) sizes the job, not its steps: a step of another size leaves
# it out, or srun warns that it cannot honor it. --cpus-per-task is passed again: srun since Slurm
# 22.05 no longer inherits it from sbatch. Tasks that share a node are placed by srun alone (the
# cluster's task plugin binds each to its CPUs, or none at all, as task/none): OpenMP's placement binds
# within a task's CPUs, and where those are all the node's it would put the first thread of every
# task on the node's first core.
mt_job_srun() {
  local tasks=$1 cpus=$2 nodes; shift 2
  nodes=$((tasks < MT_JOB_NODES ? tasks : MT_JOB_NODES))
  local leave=(-u SLURM_NTASKS_PER_NODE)
  if [ $(((tasks + nodes - 1) / nodes)) -gt 1 ] && [ "$MT_OMP_PLACED" = 1 ]; then
    leave+=(-u OMP_PLACES -u OMP_PROC_BIND)
  fi
  env "${leave[@]}" srun --nodes="$nodes" --ntasks="$tasks" --cpus-per-task="$cpus" "$@"
}

# mt_job_threads T COMMAND...: one task of T threads.
mt_job_threads() {
  local threads=$1; shift
  if [ "$MT_LAUNCHER" = srun ]; then
    mt_job_srun 1 "$threads" "$@"
  else
    "$@"
  fi
}

# mt_job_ranks P T COMMAND...: P ranks of T threads each, on min(P, the allocation's nodes) nodes, P /
# nodes a node, with either launcher: srun gives each task T CPUs (mt_job_srun); mpirun inside a job
# takes the allocation's hosts and slots, and is told to place the ranks as srun does (Open MPI
# --map-by ppr:K:node, Hydra -ppn K) when the job has more than one node, where it would fill the
# first node's slots before it uses the next. A hybrid rank gets --bind-to none (Open MPI binds a rank
# to one core at np <= 2: its threads would share it). MT_MPIRUN_BIND replaces the placement and the
# binding, e.g. "--map-by slot:PE=4 --bind-to core" (Open MPI) or "-bind-to core:4" (Hydra) on a node
# with the cores to spare.
mt_job_ranks() {
  local ranks=$1 threads=$2; shift 2
  if [ "$MT_LAUNCHER" = srun ]; then
    mt_job_srun "$ranks" "$threads" --mpi="$MT_SRUN_MPI" "$@"
  else
    local flags=() open_mpi=0 nodes per_node
    mt_is_open_mpi && open_mpi=1
    if [ -n "${MT_MPIRUN_BIND:-}" ]; then
      read -r -a flags <<<"$MT_MPIRUN_BIND"
    else
      if [ "$MT_JOB_NODES" -gt 1 ]; then
        nodes=$((ranks < MT_JOB_NODES ? ranks : MT_JOB_NODES))
        per_node=$(((ranks + nodes - 1) / nodes))
        if [ "$open_mpi" -eq 1 ]; then flags+=(--map-by "ppr:$per_node:node"); else flags+=(-ppn "$per_node"); fi
      fi
      [ "$threads" -gt 1 ] && flags+=(--bind-to none)
    fi
    [ -n "${PBS_NODEFILE:-}" ] && [ -r "${PBS_NODEFILE:-}" ] && flags+=(--hostfile "$PBS_NODEFILE")
    local slots=${SLURM_NTASKS:-${MT_PBS_RANKS:-$MT_NPROC}}
    if [ "$ranks" -gt "$slots" ] && [ "$ranks" -le "$MT_NPROC" ] && [ "$open_mpi" -eq 1 ]; then
      flags+=(--oversubscribe)
    fi
    # mpirun places the ranks; OMP_PROC_BIND would pin every rank's first thread to the first core of
    # a rank's CPUs, which are all the node's with --bind-to none: the threads stay free instead.
    (unset OMP_PROC_BIND OMP_PLACES; mt_mpirun "$ranks" "${flags[@]}" "$@")
  fi
}

# mt_job_banner: one line on what the job has and how it runs its points.
mt_job_banner() {
  local launcher=$MT_LAUNCHER nodes="" nodelist=${SLURM_JOB_NODELIST:-${SLURM_NODELIST:-}}
  [ "$launcher" = srun ] && launcher+=" (ranks with --mpi=$MT_SRUN_MPI)"
  [ "$MT_JOB_NODES" -gt 1 ] && nodes=" of $MT_JOB_NODES nodes${nodelist:+ ($nodelist)}"
  mt_say "job $MT_JOB_ID ($MT_JOB_NAME) on $(hostname -s)$nodes: ${SLURM_NTASKS:-${MT_PBS_RANKS:-1}} task(s) x $OMP_NUM_THREADS CPU(s); work $MT_WORK; launcher $launcher; rows into $MT_CSV"
}
