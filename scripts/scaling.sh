#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# scaling.sh - threads against ranks: one workload swept over thread counts, rank counts and ranks x
# threads, for sleep, spin and no work, strong and weak; the shared CSV record, the speedup,
# efficiency, Karp-Flatt and Amdahl analysis (scaling_analyze.py), and the plot (plot_scaling.gp).
set -euo pipefail
MT_SCRIPT=scaling.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/scaling.sh [OPTION]...
       scripts/scaling.sh --analyze CSV... [--out DIR] [--time NAME] [--one-machine]
Build if needed, then time one workload over workers (1, 2, 4, ... up to --max-workers) and write
DIR/scaling.csv (the programs' shared record, one row per point), DIR/scaling.md (speedup,
efficiency, Karp-Flatt serial fraction and an Amdahl fit per series, each point's time with its 95%
interval, and which differences are noise) and DIR/scaling.png and .svg.

Series (each from 1 worker up):
  threads   cube_omp -t W                          an OpenMP parallel loop
  tasks     square_cube --mode tasks -t W          one task per item and operation (sleep, spin only)
  ranks     mpirun -np W cube_mpi -t 1             MPI_Scatterv / MPI_Gatherv over ranks
  shared    mpirun -np W cube_mpi --transport shared -t 1   (when cube_mpi has --transport)
  hybrid    mpirun -np W/T --bind-to none cube_mpi -t T   T threads a rank (--threads-per-rank);
            --bind-to none because Open MPI binds each rank to one core at np <= 2, and a rank's
            threads would then share that core
  io        mpirun -np W cube_mpi -t 1 --io mpi -i LIST --output FILE   every rank reads its own byte
            range of a list file and writes its own lines (MPI-IO): no funnel through rank 0; not in
            the default series (it writes each n's list, the --generate list, and the lines to DIR/io/);
            with --time end_to_end_s its serial fraction reads against the ranks series'
Work (--work): sleep (concurrency: scales with the workers, even past the cores), spin (CPU-bound:
scales up to the cores), none (the bare map: memory-bound). Strong scaling keeps n fixed; weak
scaling keeps n per worker fixed (3 items, or 3 x 2^k for none; strong: a power of two), so the two never share an n.

  --out DIR              where the results go (default: BUILD_DIR/scaling; installed: scaling/ here)
  --max-workers N        the most workers (default: twice the cores, at least 8; --quick: 4)
  --quick                a small sweep, under two minutes on 2 cores: short delays, fewer workers
  --work LIST            comma-separated: sleep,spin,none (default all three)
  --scaling LIST         strong,weak (default both)
  --series LIST          threads,tasks,ranks,shared,hybrid,io (default: all that are built but io)
  --threads-per-rank T   threads of each rank in the hybrid series (default 2)
  --repeat R             timed runs per point, after one warm-up (default 5, which gives each point
                         the median's 95% interval; fewer runs give none)
  --append               add rows to DIR/scaling.csv instead of starting it again
  --no-plot              analyze, but do not draw (no gnuplot needed)
  --docs                 also copy the PNG to docs/scaling.png (the README's picture; a checkout only)
  --analyze CSV...       time nothing: read these CSVs (a laptop's, a cluster's batch jobs of 1, 2 ... N
                         nodes), one table in DIR/scaling.csv, analyze and plot them
  --time NAME            the time the analysis reads: time_s (default), the median of the timed runs;
                         end_to_end_s, the whole program as one run (read_s + setup_s + time_s +
                         output_s): its reading, setting up, checking and printing count, so the Amdahl
                         fit shows the serial fraction of the program itself (the tables say which)
  --one-machine          read every row as one machine (a cluster whose node names differ by more
                         than their digits); see Machines below
  --dry-run              build, then print the commands of the sweep and time nothing (mpirun gets
                         --oversubscribe and --allow-run-as-root where it needs them)
  -h, --help             this help

What the analysis reads from each record (the programs' --csv columns):
  time_s, time_ci95_lo_s, time_ci95_hi_s   the median of the timed runs and its 95% interval (from 5
      or more runs): the tables print it, the plot draws it as error bars, and scaling.md says where
      two points of a series, or two series at the same workers and n, cannot be told apart (their
      intervals overlap: the difference may be noise)
  cpus_allowed_total, oversubscribed   the CPUs the workers may use, and whether they outnumber them:
      oversubscribed points are marked (W! in the tables, a cross in the plot); for CPU-bound work
      (spin, none) the ideal time and the efficiency count min(workers, CPUs), so past the CPUs a flat
      speedup reads as the machine's ceiling, not as a failure
  nodes   the distinct hosts of the ranks: points across nodes are marked (W+, squares), and a line
      shows where the workers first leave one node
  read_s, setup_s, output_s, end_to_end_s, serial_fraction   the whole run's phases, for --time
      end_to_end_s and beside the fit; read_s and output_s of each point in a table of their own
  imbalance   cube_mpi's slowest rank's compute over the ranks' mean, in each point's note
The plot answers one question a panel (a kind of work, strong or weak), at most 4 series each; a
series whose fitted points' intervals overlap gets no fit, and the tables say why.
Records without these columns (older CSVs) analyse as before: every worker counted, no intervals.
Machines: rows group by host; rows from batch jobs (job_env names a Slurm or PBS job) group by the
host's name without its digits (node01, node17: node*), so jobs of different node counts form one
study.

Before timing it warns when the workers exceed the cores, when Open MPI runs as root, when
SLURM_CPUS_PER_TASK is unset inside a Slurm job, and when the machine is already busy. Environment: BUILD_DIR (default build/).
Examples:
  scripts/scaling.sh --quick
  scripts/scaling.sh --out build/scaling --docs              # the README's plot
  scripts/scaling.sh --work spin --series threads,ranks --max-workers 16
  scripts/scaling.sh --analyze laptop/scaling.csv cluster/*.csv --out both
  scripts/scaling.sh --analyze results/mt-ranks-*.csv --out nodes     # jobs of 1, 2, 4 nodes: one study
  scripts/scaling.sh --analyze build/scaling/scaling.csv --out e2e --time end_to_end_s
USAGE
}

out="" max_workers="" quick=0 works="sleep,spin,none" scalings="strong,weak" series="" per_rank=2
repeat="" append=0 plot=1 docs=0 dry_run=0 analyze=() time_name=time_s one_machine=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) mt_need "${2:-}" "--out needs a folder"; out=$(mt_path "$2"); shift 2 ;;
    --max-workers) mt_need "${2:-}" "--max-workers needs a number"; max_workers=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --work) mt_need "${2:-}" "--work needs a list"; works=$2; shift 2 ;;
    --scaling) mt_need "${2:-}" "--scaling needs a list"; scalings=$2; shift 2 ;;
    --series) mt_need "${2:-}" "--series needs a list"; series=$2; shift 2 ;;
    --threads-per-rank) mt_need "${2:-}" "--threads-per-rank needs a number"; per_rank=$2; shift 2 ;;
    --repeat) mt_need "${2:-}" "--repeat needs a number"; repeat=$2; shift 2 ;;
    --append) append=1; shift ;;
    --no-plot) plot=0; shift ;;
    --docs) docs=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    --time) mt_need "${2:-}" "--time needs a name (time_s or end_to_end_s)"; time_name=$2; shift 2 ;;
    --one-machine) one_machine=1; shift ;;
    --analyze)
      shift
      while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do analyze+=("$(mt_path "$1")"); shift; done
      [ ${#analyze[@]} -gt 0 ] || mt_die "--analyze needs one or more CSV files" 2
      ;;
    --) shift; [ $# -eq 0 ] || mt_die "unexpected argument '$1' (see scripts/scaling.sh --help)" 2 ;;
    -h|--help) usage; exit 0 ;;
    *) mt_die "unknown option '$1' (see scripts/scaling.sh --help)" 2 ;;
  esac
done

# Every value checked before anything is installed, built or written.
in_list() { [[ ",$2," == *",$1,"* ]]; }
[ -z "$max_workers" ] || mt_check_count "$max_workers" --max-workers
[ -z "$repeat" ] || mt_check_count "$repeat" --repeat
mt_check_count "$per_rank" --threads-per-rank
mt_check_list "$works" --work sleep spin none
mt_check_list "$scalings" --scaling strong weak
[ -z "$series" ] || mt_check_list "$series" --series threads tasks ranks shared hybrid io
case $time_name in
  time_s|end_to_end_s) ;;
  *) mt_die "--time '$time_name': use time_s or end_to_end_s" 2 ;;
esac
IFS=, read -r -a work_kinds <<<"$works"
IFS=, read -r -a scaling_kinds <<<"$scalings"
for file in ${analyze[@]+"${analyze[@]}"}; do
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then mt_die "--analyze: cannot read '$file'" 2; fi
done
[ "$docs" -eq 0 ] || [ "$MT_INSTALLED" -eq 0 ] || mt_die "--docs updates a checkout's docs/: this is an installation" 2
out=${out:-$(mt_default_out "$BUILD_DIR/scaling" scaling)}
mt_check_out_dir "$out" --out
py=$(mt_python)
csv=$out/scaling.csv

# analyze_and_plot: the numbers (always) and the picture (when gnuplot is there or can be installed).
analyze_and_plot() {
  local options=(--out "$out" --cores "$MT_NPROC" --time "$time_name")
  [ "$one_machine" -eq 0 ] || options+=(--one-machine)
  "$py" "$MT_ROOT/scripts/scaling_analyze.py" "${options[@]}" "$csv" >&2
  if [ "$plot" -eq 1 ]; then
    if (mt_require plots); then
      # The folder reaches gnuplot as an argument (ARG1), never inside its code.
      gnuplot -c "$MT_ROOT/scripts/plot_scaling.gp" "$out" || mt_die "gnuplot failed"
      mt_say "Plot: $out/scaling.png and $out/scaling.svg"
      if [ "$docs" -eq 1 ]; then
        mkdir -p -- "$MT_ROOT/docs"
        cp -- "$out/scaling.png" "$MT_ROOT/docs/scaling.png"
        mt_say "Copied to docs/scaling.png"
      fi
    else
      mt_say "warning: no gnuplot, no plot (the numbers are in $out/scaling.md)"
    fi
  fi
  mt_say "Record: $csv   Analysis: $out/scaling.md, $out/scaling_series.csv, $out/scaling_points.csv"
}

if [ ${#analyze[@]} -gt 0 ]; then
  mkdir -p -- "$out"
  # One table of every file's records (batch jobs' CSVs may repeat their header, with other columns),
  # built beside the result and renamed over it.
  combined=$(mktemp -- "$out/.scaling.csv.XXXXXX")
  for file in "${analyze[@]}"; do
    if ! failure=$(mt_record append "$file" "$combined" 2>&1); then
      rm -f -- "$combined"
      mt_die "--analyze: ${failure#record.py: error: }" 2
    fi
  done
  mt_replace "$combined" "$csv"
  analyze_and_plot
  exit 0
fi

mt_require build
mt_build
cube_omp=$(mt_program cube_omp) square_cube=$(mt_program square_cube) cube_mpi=$(mt_program cube_mpi)

# The plan: which workers, which sizes, how many repeats.
if [ "$quick" -eq 1 ]; then
  max_workers=${max_workers:-4} repeat=${repeat:-5}
  sleep_delay=0.02 spin_delay=0.01 none_strong=$((1 << 22)) none_weak=$((3 << 20))
else
  default_max=$((2 * MT_NPROC))
  [ "$default_max" -ge 8 ] || default_max=8
  max_workers=${max_workers:-$default_max} repeat=${repeat:-5}
  sleep_delay=0.05 spin_delay=0.02 none_strong=$((1 << 24)) none_weak=$((3 << 22))
fi
workers=()
for ((w = 1; w <= max_workers; w *= 2)); do workers+=("$w"); done
[ "${workers[-1]}" -eq "$max_workers" ] || workers+=("$max_workers")
# Strong scaling with sleep or spin: a power of two of at least twice the most workers, so every
# worker count up to the most gets work, and weak scaling's 3 x W items never equal it.
items_strong=1
while [ "$items_strong" -lt $((2 * max_workers)) ]; do items_strong=$((items_strong * 2)); done
items_weak=3

have_mpi=0 have_shared=0 have_io=0
[ -x "$cube_mpi" ] && have_mpi=1
if [ "$have_mpi" -eq 1 ]; then
  help_text=$("$cube_mpi" --help 2>&1) || true
  if [[ $help_text == *--transport* ]]; then have_shared=1; fi
  if [[ $help_text == *"--io WHERE"* ]]; then have_io=1; fi
fi
if [ -z "$series" ]; then
  series=threads,tasks
  [ "$have_mpi" -eq 1 ] && series+=,ranks,hybrid
  [ "$have_shared" -eq 1 ] && series+=,shared
fi
if in_list io "$series" && [ "$have_mpi" -eq 1 ] && [ "$have_io" -eq 0 ]; then
  mt_die "--series io: this cube_mpi has no --io option" 2
fi
if [ "$have_mpi" -eq 0 ] && { in_list ranks "$series" || in_list hybrid "$series" || in_list shared "$series" ||
  in_list io "$series"; }; then
  mt_die "cube_mpi is not built (no MPI found at configure time): use --series threads,tasks" 2
fi
if in_list shared "$series" && [ "$have_shared" -eq 0 ]; then
  mt_die "--series shared: this cube_mpi has no --transport option" 2
fi

# The warnings, before any timing.
open_mpi=0
if [ "$have_mpi" -eq 1 ] && mt_is_open_mpi; then open_mpi=1; fi
if [ "$max_workers" -gt "$MT_NPROC" ]; then
  mt_say "warning: up to $max_workers workers on $MT_NPROC cores: past $MT_NPROC, spin and none workers take turns on the cores (sleep still scales: waiting needs no core)"
fi
if [ "$open_mpi" -eq 1 ] && [ "$(id -u)" -eq 0 ]; then
  mt_say "warning: Open MPI runs as root here: mpirun gets --allow-run-as-root (better: run the sweep as a normal user)"
fi
if [ -n "${SLURM_JOB_ID:-}" ] && [ -z "${SLURM_CPUS_PER_TASK:-}" ]; then
  mt_say "warning: inside Slurm job $SLURM_JOB_ID but SLURM_CPUS_PER_TASK is unset: submit with --cpus-per-task=N, or every thread may get one CPU"
fi
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load" -v c="$MT_NPROC" 'BEGIN { exit !(l > c / 2) }'; then
  mt_say "warning: the machine is busy (load $load on $MT_NPROC cores): spin and none times will be noisy; rerun when it is idle"
fi
if in_list hybrid "$series" && [ "$open_mpi" -eq 1 ]; then
  mt_say "note: hybrid points run with --bind-to none: Open MPI binds each rank to one core at np <= 2, and its $per_rank threads would share it"
elif in_list hybrid "$series"; then
  mt_say "note: hybrid points run with --bind-to none, so that each rank's $per_rank threads may use every core"
fi

# run_mpi NP [MPIRUN OPTION]... PROGRAM [ARG]...: mt_mpirun, plus --oversubscribe inside a batch job
# whose allocation has fewer task slots than NP (mpirun takes the allocation as it is).
run_mpi() {
  local np=$1; shift
  local extra=()
  if [ "$open_mpi" -eq 1 ] && [ -n "${SLURM_NTASKS:-}" ] && [ "$np" -gt "$SLURM_NTASKS" ] && [ "$np" -le "$MT_NPROC" ]; then
    extra+=(--oversubscribe)
  fi
  # mpirun places the ranks; an inherited OMP_PROC_BIND would pin the first thread of every rank whose
  # CPUs are the whole node (--bind-to none, or oversubscribed) to the same core.
  (unset OMP_PROC_BIND OMP_PLACES; mt_mpirun "$np" "${extra[@]}" "$@")
}

# point_summary ROW: a point's time, its 95% interval where the record has one, and its placement marks.
point_summary() {
  local times flags text
  mapfile -t times < <(mt_record field "$1" time_s time_ci95_lo_s time_ci95_hi_s --default "")
  mapfile -t flags < <(mt_record field "$1" oversubscribed nodes cpus_allowed_total --default "")
  text="${times[0]} s"
  [ -z "${times[1]:-}" ] || text+=" (95% interval ${times[1]}-${times[2]} s)"
  [ "${flags[0]:-}" != true ] || text+=", oversubscribed (${flags[2]:-?} CPUs)"
  [ "${flags[1]:-1}" -le 1 ] || text+=", across ${flags[1]} nodes"
  printf '%s\n' "$text"
}

points=() # each: "label|command words separated by \x1f"
io_sizes=() # the n of each io point: its list file is made before the sweep
add_point() { # add_point LABEL WORD...
  local label=$1; shift
  local IFS=$'\x1f'
  points+=("$label|$*")
}
for work in "${work_kinds[@]}"; do
  case $work in
    sleep) work_args=(--work sleep --delay "$sleep_delay") ;;
    spin) work_args=(--work spin --delay "$spin_delay") ;;
    none) work_args=(--work none) ;;
  esac
  for scaling in "${scaling_kinds[@]}"; do
    for w in "${workers[@]}"; do
      if [ "$work" = none ]; then
        if [ "$scaling" = strong ]; then n=$none_strong; else n=$((none_weak * w)); fi
      else
        if [ "$scaling" = strong ]; then n=$items_strong; else n=$((items_weak * w)); fi
      fi
      common=("${work_args[@]}" --generate "$n" -r "$repeat" -W 1)
      tag="$work $scaling W=$w"
      in_list threads "$series" && add_point "$tag threads" "$cube_omp" -t "$w" "${common[@]}"
      if in_list tasks "$series" && [ "$work" != none ]; then
        add_point "$tag tasks" "$square_cube" --mode tasks -t "$w" "${common[@]}"
      fi
      in_list ranks "$series" && add_point "$tag ranks" run_mpi "$w" "$cube_mpi" -t 1 "${common[@]}"
      if in_list shared "$series"; then
        add_point "$tag shared" run_mpi "$w" "$cube_mpi" --transport shared -t 1 "${common[@]}"
      fi
      if in_list io "$series"; then
        # The list --generate would give, as a file (made before the sweep), read in ranges by the ranks.
        io_sizes+=("$n")
        add_point "$tag io" run_mpi "$w" "$cube_mpi" -t 1 --io mpi -i "$out/io/list-$n.txt" \
          --output "$out/io/lines.txt" "${work_args[@]}" -r "$repeat" -W 1
      fi
      if in_list hybrid "$series"; then
        if [ "$w" -ge "$per_rank" ] && [ $((w % per_rank)) -eq 0 ]; then
          add_point "$tag hybrid $((w / per_rank))x$per_rank" run_mpi $((w / per_rank)) --bind-to none \
            "$cube_mpi" -t "$per_rank" "${common[@]}"
        elif [ "$w" -eq 1 ] && ! in_list ranks "$series"; then
          add_point "$tag hybrid 1x1" run_mpi 1 "$cube_mpi" -t 1 "${common[@]}" # its baseline
        fi
      fi
    done
  done
done

if [ "$dry_run" -eq 1 ]; then
  for point in "${points[@]}"; do
    IFS=$'\x1f' read -r -a words <<<"${point#*|}"
    [ "${words[0]}" = run_mpi ] && words=("$(basename -- "$(mt_mpiexec)")" -n "${words[@]:1}")
    printf '%s\n' "${words[*]} --csv"
  done
  exit 0
fi

mkdir -p -- "$out"
if [ ${#io_sizes[@]} -gt 0 ]; then
  # The io series' lists: the numbers --generate N gives (cube_omp's lines, their first column), one a line.
  mkdir -p -- "$out/io"
  for n in $(printf '%s\n' "${io_sizes[@]}" | sort -un); do
    [ -s "$out/io/list-$n.txt" ] && continue
    "$cube_omp" --work none --generate "$n" -q --output "$out/io/lines-$n.txt" >/dev/null ||
      mt_die "cannot make the list of $n numbers for the io series"
    cut -d ' ' -f 1 -- "$out/io/lines-$n.txt" >"$out/io/list-$n.txt" && rm -f -- "$out/io/lines-$n.txt"
  done
fi
# A new sweep fills a file of its own, which replaces the last one's CSV only when every point has run: an
# interrupted sweep leaves the last one whole.
sweep=$csv
[ "$append" -eq 1 ] || sweep=$(mktemp -- "$out/.scaling.XXXXXX.csv")
mt_say "Sweep: ${#points[@]} points (workers ${workers[*]}; work $works; $scalings scaling; series $series; $repeat runs each after a warm-up) into $csv"
start=$SECONDS failed=0 index=0
row=$(mktemp) err=$(mktemp)
trap 'rm -f -- "$row" "$err"; [ "$sweep" = "$csv" ] || rm -f -- "$sweep"' EXIT
for point in "${points[@]}"; do
  index=$((index + 1))
  label=${point%%|*}
  IFS=$'\x1f' read -r -a words <<<"${point#*|}"
  # Each point's record (--csv: a header and a row) joins the sweep's CSV, with its header only when
  # the columns changed (record.py append).
  if "${words[@]}" --csv >"$row" 2>"$err" && mt_record append "$row" "$sweep"; then
    mt_say "[$index/${#points[@]}] $label: $(point_summary "$row")"
  else
    failed=$((failed + 1))
    mt_say "[$index/${#points[@]}] $label: FAILED: $(tail -n 3 -- "$err" | tr '\n' ' ')"
  fi
done
mt_say "Timed ${#points[@]} points in $((SECONDS - start)) s"
[ "$sweep" = "$csv" ] || mt_replace "$sweep" "$csv"
analyze_and_plot
[ "$failed" -eq 0 ] || mt_die "$failed point(s) failed (see above)"
