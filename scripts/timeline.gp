# timeline.gp - draw a timeline as a Gantt chart: one lane per worker, a box per item coloured by
# operation (square, cube, download; failed transfers red), the ideal time as a dashed line.
# Usage: gnuplot -c scripts/timeline.gp BOXES OUTPUT FORMAT TITLE IDEAL LANES
#   BOXES   the data of timeline_lanes.py: lane, start_s, end_s, colour, "lane name", "label"
#   OUTPUT  the picture; FORMAT png or svg
#   TITLE   the chart's title; IDEAL the ideal time in seconds, or empty; LANES how many lanes
# Called by scripts/timeline-plot.sh. Everything arrives as an argument (ARG1 ... ARG6), string values
# gnuplot never reads as code, and the lane names come from the data file: a title, a path or a
# program name with quotes or backquotes stays text.
boxes = ARG1
if (ARG3 eq "svg") {
    set terminal svg size 1000,420 dynamic font 'sans,10'
} else {
    set terminal pngcairo size 1000,420 font 'sans,10'
}
set output ARG2
set termoption noenhanced
set title ARG4
set xlabel 'seconds since the run started'
set yrange [-0.7:int(ARG6) - 0.3]
set xrange [0:*]
set grid xtics
set key outside right top
set style fill solid 0.85 border lc rgb '#ffffff'
set palette maxcolors 4
set palette defined (0 '#3b6fb6', 1 '#3a9a50', 2 '#8e5bb5', 3 '#d0342c')
set cbrange [-0.5:3.5]
unset colorbox
if (strlen(ARG5) > 0) {
    ideal = real(ARG5)
    set arrow from ideal, graph 0 to ideal, graph 1 nohead dt 2 lw 2 lc rgb '#444444'
    set label 'ideal' at ideal, graph 1.02 center
}
# The lanes' names label the y axis (ytic: column 5 of each box).
plot boxes using (($2+$3)/2):1:(($3-$2)/2):(0.38):4:ytic(5) with boxxyerror lc palette notitle, \
     NaN with boxes lc rgb '#3b6fb6' title 'square', NaN with boxes lc rgb '#3a9a50' title 'cube', \
     NaN with boxes lc rgb '#8e5bb5' title 'download', NaN with boxes lc rgb '#d0342c' title 'failed'
unset output
