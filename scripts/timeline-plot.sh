#!/usr/bin/env bash
# timeline-plot.sh - draw a run's timeline (--timeline FILE) as a Gantt chart with gnuplot: one lane
# per worker, a box per item coloured by operation or status, the ideal time marked.
set -euo pipefail
MT_SCRIPT=timeline-plot.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/timeline-plot.sh FILE.json|FILE.csv -o OUT.png|OUT.svg [--title TEXT] [--ideal SECONDS]
Draw the timeline a program wrote with --timeline: one lane per worker (rank and thread; transfers
that overlap on one thread get a lane each), one box per item, coloured by operation (square, cube,
download; failed transfers red), and the ideal time as a dashed line.

  -o, --output OUT   the picture; .png or .svg
  --title TEXT       the title (default: program, mode, workers, time, ideal and ratio, when known)
  --ideal SECONDS    mark this ideal time (a .json timeline carries its own)
  -h, --help         this help
Example:
  build/omp/square_cube --mode tasks -t 8 --timeline tasks.json
  scripts/timeline-plot.sh tasks.json -o tasks.png
USAGE
}

input="" output="" title="" ideal=""
while [ $# -gt 0 ]; do
  case $1 in
    -o|--output) mt_need "${2:-}" "--output needs a file"; output=$2; shift 2 ;;
    --title) mt_need "${2:-}" "--title needs text"; title=$2; shift 2 ;;
    --ideal) mt_need "${2:-}" "--ideal needs seconds"; ideal=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) mt_die "unknown option '$1' (see scripts/timeline-plot.sh --help)" 2 ;;
    *) [ -z "$input" ] || mt_die "one timeline at a time" 2; input=$1; shift ;;
  esac
done
[ -n "$input" ] || mt_die "no timeline given (see --help)" 2
[ -r "$input" ] || mt_die "cannot read '$input'" 2
case $output in
  *.png) terminal="pngcairo size 1000,420 font 'sans,10'" ;;
  *.svg) terminal="svg size 1000,420 dynamic font 'sans,10'" ;;
  *) mt_die "--output must end in .png or .svg" 2 ;;
esac
mt_require plots

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(mt_python)" "$MT_ROOT/scripts/timeline_lanes.py" "$input" "$work/boxes.dat" "$work/meta.sh" ||
  mt_die "'$input' is not a timeline written by --timeline"
LANES="" LANE_COUNT=1 TITLE="" IDEAL=""
# shellcheck source=/dev/null
source "$work/meta.sh"
[ -n "$title" ] && TITLE=$title
[ -n "$ideal" ] && IDEAL=$ideal
ideal_line=""
[ -n "$IDEAL" ] && ideal_line="set arrow from $IDEAL, graph 0 to $IDEAL, graph 1 nohead dt 2 lw 2 lc rgb '#444444'; set label 'ideal' at $IDEAL, graph 1.02 center"

gnuplot <<GNUPLOT
set terminal $terminal
set output '$output'
set termoption noenhanced
set title "$TITLE"
set xlabel 'seconds since the run started'
set ytics ($LANES)
set yrange [-0.7:$LANE_COUNT - 0.3]
set xrange [0:*]
set grid xtics
set key outside right top
set style fill solid 0.85 border lc rgb '#ffffff'
set palette maxcolors 4
set palette defined (0 '#3b6fb6', 1 '#3a9a50', 2 '#8e5bb5', 3 '#d0342c')
set cbrange [-0.5:3.5]
unset colorbox
$ideal_line
plot '$work/boxes.dat' using ((\$2+\$3)/2):1:((\$3-\$2)/2):(0.38):4 with boxxyerror lc palette notitle, \
     NaN with boxes lc rgb '#3b6fb6' title 'square', NaN with boxes lc rgb '#3a9a50' title 'cube', \
     NaN with boxes lc rgb '#8e5bb5' title 'download', NaN with boxes lc rgb '#d0342c' title 'failed'
GNUPLOT
echo "$output"
