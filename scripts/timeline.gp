# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# timeline.gp - draw a timeline as a Gantt chart: one lane per worker, a box per item outlined in its
# operation's colour (square, cube, download; failed transfers red) and filled by the share of its time
# its thread spent on a CPU: work that waits stays hollow, work that computes is filled. The ideal time
# is a dashed line. The key names only what the picture holds.
# Usage: gnuplot -c scripts/timeline.gp BOXES OUTPUT FORMAT TITLE IDEAL LANES DRAWN
#   BOXES   the data of timeline_lanes.py: lane, start_s, end_s, colour, "lane name", "label", CPU share
#   OUTPUT  the picture; FORMAT png or svg
#   TITLE   the chart's title; IDEAL the ideal time in seconds, or empty; LANES how many lanes
#   DRAWN   what the picture holds, as words: square cube download failed computing waiting unmeasured
# Called by scripts/timeline-plot.sh. Everything arrives as an argument (ARG1 ... ARG7), string values
# gnuplot never reads as code, and the lane names come from the data file: a title, a path or a
# program name with quotes or backquotes stays text.
boxes = ARG1
drawn = ' ' . ARG7 . ' '
has(word) = strstrt(drawn, ' ' . word . ' ') > 0
if (ARG3 eq "svg") {
    set terminal svg size 1000,440 dynamic font 'sans,10'
} else {
    set terminal pngcairo size 1000,440 font 'sans,10'
}
set output ARG2
set termoption noenhanced
set title ARG4
set xlabel 'seconds since the run started'
set yrange [-0.7:int(ARG6) - 0.3]
set xrange [0:*]
set grid xtics
set key outside right top
set palette maxcolors 4
set palette defined (0 '#3b6fb6', 1 '#3a9a50', 2 '#8e5bb5', 3 '#d0342c')
set cbrange [-0.5:3.5]
unset colorbox
if (strlen(ARG5) > 0) {
    ideal = real(ARG5)
    set arrow from ideal, graph 0 to ideal, graph 1 nohead dt 2 lw 2 lc rgb '#444444'
    set label 'ideal' at ideal, graph 0.96 left offset 0.4,0 tc rgb '#444444'
}
# A box is its item's whole time, outlined; inside it, from its start, a bar as long as the CPU time its
# thread used (share x span). An item whose CPU time the trace lacks (share -1) is shaded pale instead.
share(s) = s < 0 ? 0 : s
# The lanes' names label the y axis (ytic: column 5 of each box).
plot boxes using ($7 < 0 ? ($2+$3)/2 : NaN):1:(($3-$2)/2):(0.38):4 with boxxyerror fs transparent solid 0.3 \
         noborder lc palette notitle, \
     boxes using ($2 + ($3-$2)*share($7)/2):1:(($3-$2)*share($7)/2):(0.38):4 with boxxyerror fs solid 0.85 \
         noborder lc palette notitle, \
     boxes using (($2+$3)/2):1:(($3-$2)/2):(0.38):4:ytic(5) with boxxyerror fs empty border lw 1.5 lc palette \
         notitle, \
     keyentry with boxes fs solid 0.85 lc rgb '#3b6fb6' title (has('square') ? 'square' : ''), \
     keyentry with boxes fs solid 0.85 lc rgb '#3a9a50' title (has('cube') ? 'cube' : ''), \
     keyentry with boxes fs solid 0.85 lc rgb '#8e5bb5' title (has('download') ? 'download' : ''), \
     keyentry with boxes fs solid 0.85 lc rgb '#d0342c' title (has('failed') ? 'failed' : ''), \
     keyentry with boxes fs solid 0.85 lc rgb '#777777' title (has('computing') ? 'filled: its CPU time' : ''), \
     keyentry with boxes fs empty border lw 1.5 lc rgb '#777777' \
         title (has('waiting') ? 'hollow: off the CPU' : ''), \
     keyentry with boxes fs transparent solid 0.3 noborder lc rgb '#777777' \
         title (has('unmeasured') ? 'pale: CPU time not recorded' : '')
unset output
