# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# plot_scaling.gp - draw a scaling sweep: one question a panel (a kind of work, strong or weak scaling:
# speedup against workers, with the ideal line), at most 4 series a panel, each axis fitted to its
# panel's points and error bars (the efficiency is in scaling.md's tables); a dotted line marks the CPUs
# of one node (the cores, for records that do not say). Each point carries its median's 95% interval
# as an error bar; a cross marks an oversubscribed point, a square a point across nodes (circles: one
# node; filled: strong scaling, open: weak), a violet line the workers where some point first leaves
# one node, and for
# CPU-bound work a dash-dotted line the CPU ceiling, min(workers, CPUs). The series and their data
# come from scaling_analyze.py, which writes DIR/scaling_panels.gp and DIR/plot/*.dat.
# Usage: gnuplot -c scripts/plot_scaling.gp DIR   (writes DIR/scaling.png and DIR/scaling.svg)
# DIR arrives as an argument (ARG1), a string value that gnuplot never reads as code, and every
# title comes from the data files: a folder or a host named with quotes or backquotes stays text.
dir = (ARGC >= 1 && strlen(ARG1) > 0) ? ARG1 : "."
panels = dir . "/scaling_panels.gp"
stats dir . "/plot/layout.dat" using 1 nooutput
rows = int(STATS_max)
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
