#!/usr/bin/env python3
"""scaling_analyze.py - speedup, efficiency, Karp-Flatt serial fraction and an Amdahl (or Gustafson) fit
for every series of a scaling sweep, from the programs' shared CSV record. Python standard library only.

Usage: scaling_analyze.py [--out DIR] [--cores N] CSV...

Reads one or more CSV files of records (a header line, then rows; headers repeated mid-file are
skipped, rows that did not validate are left out), so a sweep from a laptop and one from a cluster
are read together. Writes into DIR (default: the folder of the first CSV):
  scaling_points.csv   one line per point: series, scaling, workers, time, speedup, efficiency, Karp-Flatt
  scaling_series.csv   one line per series: the speedup at the most workers, the fitted serial fraction
  scaling.md           the same as markdown tables, for a README
  scaling_panels.gp    the gnuplot commands that draw it (loaded by plot_scaling.gp), with their data in
                       plot/: N.dat a series each (its title in its header line), titles.dat the
                       panels' titles, layout.dat the panel rows

Series. A series is one program and mode (and transport) on one host, with one kind of work and
delay, and one shape of workers: threads (cube_omp, square_cube), ranks of one thread (cube_mpi), or
ranks of T threads each (hybrid). The record has no "strong/weak" column, so the scaling is read from
n: rows whose n is the same at two or more worker counts form a strong-scaling series (fixed n);
rows whose n per worker is the same form a weak-scaling series (fixed n per worker). The 1-worker run
of the same program, work and n is every series' baseline (a hybrid series borrows it from the
ranks runs). Several rows of one point (appended runs) count as their median.

Definitions (W workers, T(W) the median time, W0 the baseline's workers, normally 1):
  strong: speedup S = W0 T(W0) / T(W), efficiency E = S / W
  weak:   efficiency E = T(W0) / T(W), scaled speedup S = W E
  Karp-Flatt experimentally determined serial fraction e = (1/S - 1/W) / (1 - 1/W), for W > 1
  Amdahl fit (strong): the f that best fits S = 1 / (f + (1 - f) / W) (least squares on 1/S)
  Gustafson fit (weak): the f that best fits S = W - f (W - 1)
The fits use the points with W <= --cores (default: this machine's cores), where the hardware has a
core for every worker; past the cores the Karp-Flatt column shows what oversubscription costs.
"""
import argparse
import csv
import math
import os
import statistics
import sys
from collections import defaultdict
from fractions import Fraction

WORK_ORDER = ["sleep", "spin", "none"]
WORK_TITLE = {
    "sleep": "sleep work (concurrency: waiting overlaps, even past the cores)",
    "spin": "spin work (CPU-bound: scales up to the cores)",
    "none": "no work, the bare map (memory-bound)",
}
# The colour of each family of series in the plot (gnuplot colour names), in legend order.
FAMILY_COLOUR = [("threads", "dark-blue"), ("tasks", "dark-cyan"), ("ranks scatter", "dark-red"),
                 ("ranks shared", "dark-orange"), ("hybrid", "dark-green")]


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def read_rows(paths):
    rows, skipped = [], 0
    for path in paths:
        with open(path, newline="") as f:
            header = None
            for fields in csv.reader(f):
                if not fields:
                    continue
                if fields[0] == "program":
                    header = fields
                    continue
                if header is None:
                    raise SystemExit(f"scaling_analyze: error: {path}: a row before any header line")
                row = dict(zip(header, fields))
                if row.get("valid") != "true" or not row.get("time_s"):
                    skipped += 1
                    continue
                rows.append(row)
    return rows, skipped


def family(row):
    """The series' shape: how its workers are made."""
    program, threads = row["program"], int(row["threads"])
    if program == "cube_mpi":
        transport = row.get("transport") or row.get("mode") or "scatter"
        return "ranks " + transport if threads == 1 else f"hybrid {transport} x{threads}"
    if row.get("mode") == "tasks":
        return "tasks"
    return "threads"


def family_colour(name):
    for prefix, colour in FAMILY_COLOUR:
        if name.startswith(prefix):
            return colour
    return "black"


def series_label(row, shape, with_host):
    program, mode = row["program"], row.get("mode", "")
    if shape.startswith("hybrid"):
        transport, threads = shape.split()[1], shape.split()[2][1:]
        text = f"hybrid: ranks x {threads} threads (cube_mpi {transport})"
    elif shape.startswith("ranks"):
        text = f"ranks (cube_mpi {shape.split()[1]})"
    else:
        text = f"{shape} ({program}{' ' + mode if mode and program != 'cube_omp' else ''})"
    return f"{text} @{row['host']}" if with_host else text


def fit_serial_fraction(points, model):
    """Least-squares serial fraction over (W, S) points with W > 1; None without such points."""
    usable = [(w, s) for w, s in points if w > 1 and s > 0]
    if not usable:
        return None
    if model == "amdahl":  # 1/S - 1/W = f (1 - 1/W)
        xs = [1 - 1 / w for w, _ in usable]
        ys = [1 / s - 1 / w for w, s in usable]
    else:  # gustafson: W - S = f (W - 1)
        xs = [w - 1 for w, _ in usable]
        ys = [w - s for w, s in usable]
    f = sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
    return min(max(f, 0.0), 1.0)


def karp_flatt(speedup, workers):
    if workers <= 1 or speedup <= 0:
        return None
    return (1 / speedup - 1 / workers) / (1 - 1 / workers)


def analyze(rows, cores):
    hosts = {r["host"] for r in rows}
    with_host = len(hosts) > 1
    # Group: (host, program, mode, transport, work, delay) -> shape -> rows
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        base = (r["host"], r["program"], r.get("mode", ""), r.get("transport", ""), r["work"], r["delay_s"])
        groups[base][family(r)].append(r)

    series = []
    for base, shapes in groups.items():
        # The 1-worker runs of this program, any shape: the baselines, by n.
        one_worker = defaultdict(list)
        for shape_rows in shapes.values():
            for r in shape_rows:
                if int(r["workers"]) == 1:
                    one_worker[int(r["n"])].append(float(r["time_s"]))
        for shape, shape_rows in shapes.items():
            points = defaultdict(list)  # (workers, n) -> times
            example = {}
            for r in shape_rows:
                key = (int(r["workers"]), int(r["n"]))
                points[key].append(float(r["time_s"]))
                example[key] = r
            for n, times in one_worker.items():
                if (1, n) not in points:
                    points[(1, n)] = times
            medians = {k: statistics.median(v) for k, v in points.items()}
            used = set()
            by_n = defaultdict(dict)
            for (w, n), t in medians.items():
                by_n[n][w] = t
            for n, at in sorted(by_n.items()):
                multi = [w for w in at if w > 1]
                if len(at) >= 2 and multi:
                    series.append(make_series(base, shape, "strong", n, at, example, with_host, cores))
                    used.update((w, n) for w in at)
            by_ratio = defaultdict(dict)
            for (w, n), t in medians.items():
                if (w, n) in used and w > 1:
                    continue
                by_ratio[Fraction(n, w)][w] = (t, n)
            for ratio, at in sorted(by_ratio.items()):
                if len(at) >= 2 and any(w > 1 for w in at):
                    times = {w: t for w, (t, _) in at.items()}
                    ns = {w: n for w, (_, n) in at.items()}
                    series.append(make_series(base, shape, "weak", ratio, times, example, with_host, cores, ns))
    # A hybrid series made only of borrowed baselines has one point of its own at least; drop empty ones.
    series = [s for s in series if any(p["workers"] > 1 for p in s["points"])]
    series.sort(key=lambda s: (WORK_ORDER.index(s["work"]) if s["work"] in WORK_ORDER else 9, s["scaling"],
                               [f for f, _ in FAMILY_COLOUR].index(next((f for f, _ in FAMILY_COLOUR
                                                                         if s["family"].startswith(f)), "threads")),
                               s["label"]))
    return series


def make_series(base, shape, scaling, size, times, example, with_host, cores, ns=None):
    host, program, mode, transport, work, delay = base
    w0 = min(times)
    t0 = times[w0]
    row = next((example[k] for k in example if k[0] > 1), next(iter(example.values())))
    points = []
    for w in sorted(times):
        t = times[w]
        if scaling == "strong":
            speedup = w0 * t0 / t
            efficiency = speedup / w
        else:
            efficiency = t0 / t
            speedup = w * efficiency
        n = size if scaling == "strong" else ns[w]
        points.append({"workers": w, "n": n, "time_s": t, "speedup": speedup, "efficiency": efficiency,
                       "karp_flatt": karp_flatt(speedup, w)})
    model = "amdahl" if scaling == "strong" else "gustafson"
    within = [(p["workers"], p["speedup"]) for p in points if p["workers"] <= cores]
    fit = fit_serial_fraction(within, model)
    fit_workers = max(w for w, _ in within) if fit is not None else None
    if fit is None:
        fit = fit_serial_fraction([(p["workers"], p["speedup"]) for p in points], model)
        fit_workers = max(p["workers"] for p in points)
    size_text = f"n {size}" if scaling == "strong" else f"n/worker {size}"
    return {"host": host, "program": program, "mode": mode, "transport": transport, "work": work,
            "delay_s": delay, "family": shape, "scaling": scaling, "size": size_text,
            "label": series_label(row, shape, with_host), "points": points, "model": model,
            "serial_fraction": fit, "fit_max_workers": fit_workers}


def fmt(x, digits=3):
    if x is None:
        return ""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def write_outputs(series, out, cores, skipped):
    os.makedirs(os.path.join(out, "plot"), exist_ok=True)
    with open(os.path.join(out, "scaling_points.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "scaling", "size", "host", "program", "mode", "transport", "work", "delay_s",
                    "workers", "n", "time_s", "speedup", "efficiency", "karp_flatt"])
        for s in series:
            for p in s["points"]:
                w.writerow([s["label"], s["scaling"], s["size"], s["host"], s["program"], s["mode"],
                            s["transport"], s["work"], s["delay_s"], p["workers"], p["n"], f"{p['time_s']:.9g}",
                            fmt(p["speedup"], 4), fmt(p["efficiency"], 4), fmt(p["karp_flatt"], 4)])
    with open(os.path.join(out, "scaling_series.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "scaling", "size", "work", "delay_s", "max_workers", "speedup_at_max",
                    "efficiency_at_max", "karp_flatt_at_max", "model", "serial_fraction", "fit_max_workers"])
        for s in series:
            last = s["points"][-1]
            w.writerow([s["label"], s["scaling"], s["size"], s["work"], s["delay_s"], last["workers"],
                        fmt(last["speedup"], 4), fmt(last["efficiency"], 4), fmt(last["karp_flatt"], 4),
                        s["model"], fmt(s["serial_fraction"], 4), s["fit_max_workers"]])
    with open(os.path.join(out, "scaling.md"), "w") as f:
        f.write(markdown(series, cores, skipped))
    write_plot(series, out, cores)


def markdown(series, cores, skipped):
    lines = []
    for work in sorted({s["work"] for s in series}, key=lambda k: WORK_ORDER.index(k) if k in WORK_ORDER else 9):
        chosen = [s for s in series if s["work"] == work]
        delay = chosen[0]["delay_s"]
        lines.append(f"**{WORK_TITLE.get(work, work)}**" + (f", {float(delay):g} s an item" if work != "none" else ""))
        lines.append("")
        lines.append("| series | scaling | size | speedup at 1, 2, 4 ... workers | efficiency at the most "
                     "| Karp-Flatt at the most | serial fraction (fit) |")
        lines.append("|---|---|---|---|---|---|---|")
        for s in chosen:
            speedups = ", ".join(f"{p['workers']}: {p['speedup']:.2f}" for p in s["points"])
            last = s["points"][-1]
            fit = f"{s['serial_fraction']:.3f} ({s['model']}, W <= {s['fit_max_workers']})"
            lines.append(f"| {s['label']} | {s['scaling']} | {s['size']} | {speedups} | {last['efficiency']:.2f} "
                         f"| {fmt(last['karp_flatt'])} | {fit} |")
        lines.append("")
    lines.append(f"Fits over the points with at most {cores} workers (one core each); "
                 "weak scaling: scaled speedup W T(1)/T(W).")
    if skipped:
        lines.append(f"{skipped} row(s) that did not validate were left out.")
    return "\n".join(lines) + "\n"


def gp_data_string(text):
    """TEXT as one double-quoted field of a gnuplot data file: data, which gnuplot never runs (no
    backquotes, no macros there); a double quote or a line break inside would end the field."""
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def write_plot(series, out, cores):
    """scaling_panels.gp and its data under out/plot/. The gnuplot code holds only this file's own words
    and numbers: every title (series labels carry host names; the folder is the user's) is read from
    data files, found through the variable dir that plot_scaling.gp sets from its argument."""
    works = sorted({s["work"] for s in series}, key=lambda k: WORK_ORDER.index(k) if k in WORK_ORDER else 9)
    max_w = max((p["workers"] for s in series for p in s["points"]), default=2)
    max_s = max((p["speedup"] for s in series for p in s["points"]), default=2)
    top = 2 ** math.ceil(math.log2(max(max_w, max_s, 2)))
    plot_dir = os.path.join(out, "plot")
    for name in os.listdir(plot_dir):  # a rerun into the same folder: no stale series
        if name.endswith(".dat"):
            os.remove(os.path.join(plot_dir, name))
    rows = max(len(works), 1)
    with open(os.path.join(plot_dir, "layout.dat"), "w") as f:
        f.write(f"# panel rows, read by plot_scaling.gp\n{rows}\n")
    titles = []
    lines = [f"# generated by scaling_analyze.py: {len(series)} series; loaded by plot_scaling.gp, which sets dir",
             f"set multiplot layout {rows},2 rowsfirst",
             "set logscale x 2", f"set xrange [0.9:{max_w * 1.1:g}]",
             "set xlabel 'workers (threads, ranks, or ranks x threads)'",
             "set grid", "set key top left font ',8' noenhanced spacing 0.9"]
    if not works:
        lines += ["set title 'no series'", "plot x notitle", "unset multiplot"]
    number = 0
    for work in works:
        chosen = [s for s in series if s["work"] == work]
        files = []
        for s in chosen:
            name = f"{number}.dat"
            number += 1
            files.append(name)
            with open(os.path.join(plot_dir, name), "w") as f:
                f.write(gp_data_string(f"{s['label']}, {s['scaling']}") + " speedup efficiency time_s n\n")
                for p in s["points"]:
                    f.write(f"{p['workers']} {p['speedup']:.6g} {p['efficiency']:.6g} {p['time_s']:.9g} {p['n']}\n")
        for panel in ("speedup", "efficiency"):
            lines.append(f"stats dir . '/plot/titles.dat' every ::{len(titles)}::{len(titles)} "
                         "using (panel_title = strcol(1), 1) nooutput")
            titles.append(f"{WORK_TITLE.get(work, work)}: {panel}")
            lines.append("set title panel_title noenhanced")
            lines.append(f"set arrow 1 from {cores}, graph 0 to {cores}, graph 1 nohead dt 3 lc 'gray40'")
            lines.append(f"set label 1 '{cores} cores' at {cores}, graph 0.04 offset 0.5,0 font ',8' tc 'gray40'")
            if panel == "speedup":
                lowest = min([p["speedup"] for s in chosen for p in s["points"]] + [1.0])
                bottom = min(0.5, 2 ** math.floor(math.log2(lowest)))
                lines += ["set logscale y 2", f"set yrange [{bottom * 0.9:g}:{top * 1.1:g}]", "set ylabel 'speedup'",
                          "set key top left font ',8' noenhanced spacing 0.9"]
                plots = ["x title 'ideal' lc 'gray50' dt 2 lw 1"]
            else:
                lines += ["unset logscale y", "set yrange [0:1.3]", "set ylabel 'efficiency'", "unset key"]
                plots = ["1 title 'ideal' lc 'gray50' dt 2 lw 1"]
            for s, name in zip(chosen, files):
                column = 2 if panel == "speedup" else 3
                dash = 1 if s["scaling"] == "strong" else 2
                point = 7 if s["scaling"] == "strong" else 6
                plots.append(f"dir . '/plot/{name}' using 1:{column} with linespoints title columnheader(1) "
                             f"lc '{family_colour(s['family'])}' dt {dash} pt {point} ps 0.8 lw 1.5")
            lines.append("plot " + ", \\\n     ".join(plots))
            lines.append("unset arrow 1; unset label 1")
    if works:
        lines.append("unset multiplot")
    with open(os.path.join(plot_dir, "titles.dat"), "w") as f:
        f.write("".join(gp_data_string(t) + "\n" for t in titles) or '"no series"\n')
    with open(os.path.join(out, "scaling_panels.gp"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = OneLineParser(prog="scaling_analyze.py", description=__doc__.splitlines()[0].split(" - ", 1)[1])
    parser.add_argument("csv", nargs="+", help="CSV files of records (scaling.csv, batch-job results)")
    parser.add_argument("--out", help="where the outputs go (default: the first CSV's folder)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                        help="cores of the machine (default: this one's): the fits use W <= cores")
    args = parser.parse_args()
    if args.cores < 1:
        parser.error("--cores must be at least 1")
    out = args.out or os.path.dirname(os.path.abspath(args.csv[0]))
    try:
        rows, skipped = read_rows(args.csv)
    except OSError as error:
        print(f"scaling_analyze: error: {error}", file=sys.stderr)
        return 2
    series = analyze(rows, args.cores)
    write_outputs(series, out, args.cores, skipped)
    if not series:
        print("scaling_analyze: warning: no series (each needs a 1-worker run and at least one more point)",
              file=sys.stderr)
    sys.stdout.write(markdown(series, args.cores, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
