#!/usr/bin/env bash

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# timeline-plot.sh - draw a run's timeline (--timeline FILE) as a Gantt chart with gnuplot: one lane
# per worker, a box per item coloured by operation or status, the ideal time marked.
set -euo pipefail
MT_SCRIPT=timeline-plot.sh
# shellcheck source=scripts/lib.sh
source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/timeline-plot.sh -o OUT.png|OUT.svg [--caption TEXT] [--title TEXT] [--ideal SECONDS]
                                [--] FILE.json|FILE.csv
Draw the timeline a program wrote with --timeline: one lane per worker (rank and thread; transfers
that overlap on one thread get a lane each), one box per item, outlined in its operation's colour
(square, cube, download; failed transfers red) and filled by the share of its time its thread spent
on a CPU: waiting leaves a box hollow, computing fills it. The ideal time is a dashed line; the key
names only what the picture holds.

  -o, --output OUT   the picture; .png or .svg
  --caption TEXT     a line above the title, which keeps its numbers
  --title TEXT       the title (default: program, mode, workers, time, ideal and ratio, the CPUs the
                     run kept busy, and the other work on a busy machine, when known)
  --ideal SECONDS    mark this ideal time (a .json timeline carries its own)
  --                 the end of the options: a FILE that starts with '-' comes after it
  -h, --help         this help
Example:
  build/omp/square_cube --mode tasks -t 8 --timeline tasks.json
  scripts/timeline-plot.sh tasks.json -o tasks.png
USAGE
}

input="" output="" title="" caption="" ideal="" title_given=0
while [ $# -gt 0 ]; do
  case $1 in
    -o|--output) mt_need "${2:-}" "--output needs a file"; output=$(mt_path "$2"); shift 2 ;;
    --title) mt_need "${2:-}" "--title needs text"; title=$2 title_given=1; shift 2 ;;
    --caption) mt_need "${2:-}" "--caption needs text"; caption=$2; shift 2 ;;
    --ideal) mt_need "${2:-}" "--ideal needs seconds"; ideal=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;; # the rest are operands, whatever they start with
    -*) mt_die "unknown option '$1' (see scripts/timeline-plot.sh --help)" 2 ;;
    *) [ -z "$input" ] || mt_die "one timeline at a time" 2; input=$(mt_path "$1"); shift ;;
  esac
done
for operand in "$@"; do
  [ -z "$input" ] || mt_die "one timeline at a time" 2
  input=$(mt_path "$operand")
done
# Every value checked before gnuplot is installed or started.
[ -n "$input" ] || mt_die "no timeline given (see --help)" 2
if [ ! -f "$input" ] || [ ! -r "$input" ]; then mt_die "cannot read '$input'" 2; fi
[ -n "$output" ] || mt_die "no picture to write: -o OUT.png or OUT.svg (see --help)" 2
case $output in
  *.png) format=png ;;
  *.svg) format=svg ;;
  *) mt_die "--output must end in .png or .svg" 2 ;;
esac
mt_check_out_file "$output" --output
[ -z "$ideal" ] || mt_check_seconds "$ideal" --ideal positive

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
if ! "$(mt_python)" "$MT_ROOT/scripts/timeline_lanes.py" "$input" "$work/boxes.dat" "$work/meta.json" 2>"$work/lanes.err"
then # its one line says why (which key is missing, which byte is not UTF-8)
  reason=$(sed -n '1s/^timeline_lanes: error: //p' "$work/lanes.err")
  mt_die "${reason:-"'$input' is not a timeline written by --timeline"}" 2
fi
[ "$title_given" -eq 1 ] || title=$(mt_record field "$work/meta.json" title)
[ -n "$ideal" ] || ideal=$(mt_record field "$work/meta.json" ideal_s)
lanes=$(mt_record field "$work/meta.json" lanes)
[ -z "$caption" ] || title="$caption"$'\n'"$title"
# What the picture holds, for its key: the operations drawn, and whether boxes are filled or hollow.
drawn=$(mt_record field "$work/meta.json" drawn)
mt_require plots
mkdir -p -- "$(dirname -- "$output")"
# Data reaches gnuplot as data: the script is fixed, the values are its arguments (ARG1 ... ARG6).
gnuplot -c "$MT_ROOT/scripts/timeline.gp" "$work/boxes.dat" "$output" "$format" "$title" "$ideal" "$lanes" \
  "$drawn" ||
  mt_die "gnuplot could not draw '$output'"
echo "$output"
