# plot_scaling.gp - draw a scaling sweep: speedup against workers with the ideal line (left) and
# efficiency (right), one row per kind of work; a dotted line marks the cores. The series and their
# data come from scaling_analyze.py, which writes DIR/scaling_panels.gp and DIR/plot/*.dat.
# Usage: gnuplot -e "dir='DIR'" scripts/plot_scaling.gp   (writes DIR/scaling.png and DIR/scaling.svg)
if (!exists("dir")) dir = "."
panels = dir . "/scaling_panels.gp"
rows = int(system("sed -n 's/^# rows //p' '" . panels . "'"))
if (rows < 1) rows = 1
height = 420 * rows

set terminal pngcairo size 1400, height font "sans,10" noenhanced
set output dir . "/scaling.png"
load panels
unset output

set terminal svg size 1400, height font "sans,10" noenhanced dynamic
set output dir . "/scaling.svg"
load panels
unset output
