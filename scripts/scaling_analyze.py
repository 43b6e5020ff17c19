#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""scaling_analyze.py - speedup, efficiency, Karp-Flatt serial fraction and an Amdahl (or Gustafson) fit
for every series of a scaling sweep, from the programs' shared CSV record, with the noise, the CPUs and the
nodes of every point. Python standard library only.

Usage: scaling_analyze.py [--out DIR] [--cores N] [--time time_s|end_to_end_s] [--one-machine] CSV...

Reads one or more CSV files of records (a header line, then rows; headers repeated mid-file are
skipped, rows that did not validate are left out), so a sweep from a laptop and batch jobs of 1, 2
and 4 nodes are read together. Writes into DIR (default: the folder of the first CSV):
  scaling_points.csv   one line per point: series, scaling, workers, time and its 95% interval, speedup,
                       efficiency, Karp-Flatt, nodes, CPUs, whether oversubscribed, a note, the ranks'
                       imbalance
  scaling_series.csv   one line per series: the speedup at the most workers, the fitted serial fraction
  scaling.md           the same as markdown tables, and which differences are noise, for a README
  scaling_panels.gp    the gnuplot commands that draw it (loaded by plot_scaling.gp), with their data in
                       plot/: N.dat a series each (its title in its header line), ceiling_N.dat the CPU
                       ceilings, titles.dat the panels' titles, layout.dat the panel rows

Series. A series is one program and mode (and transport) on one machine, with one kind of work and
delay, and one shape of workers: threads (cube_omp, square_cube), ranks of one thread (cube_mpi), or
ranks of T threads each (hybrid). The record has no "strong/weak" column, so the scaling is read from
n: rows whose n is the same at two or more worker counts form a strong-scaling series (fixed n);
rows whose n per worker is the same form a weak-scaling series (fixed n per worker). The 1-worker run
of the same program, work and n is every series' baseline (a hybrid series borrows it from the
ranks runs). Several rows of one point (appended runs, or batch jobs) count as their median.

Machines and nodes. A machine is a host (the record's host: rank 0's), except in batch jobs (job_env
names a Slurm or PBS job): there hosts whose names differ only in their digits (node01, node17) are
one cluster, "node*", so jobs of 1, 2 ... N nodes, wherever they landed, read as one study.
--one-machine reads every row as one machine. A point is its workers, n and nodes (the record's
distinct hosts): W workers on one node and W across two are two points of the series, drawn at the
same W; points across nodes are marked (+ in the tables, squares in the plot, a line where the
workers first leave one node).

Noise. With 5 or more timed runs a record carries the median's 95% interval (time_ci95_lo_s,
time_ci95_hi_s: order statistics, no assumption about the noise); a point of several records spans
from their lowest to their highest bound. The tables print it, the plot draws it as error bars (the
speedups both the point's and the baseline's intervals allow), and where two intervals overlap (two
worker counts of a series, or two series at the same workers and n) the sweep cannot tell the two
times apart: scaling.md says so, in words.

CPUs. Records carry cpus_allowed_total (the CPUs the workers' affinity masks allow, each host once)
and oversubscribed (workers outnumber those CPUs). For CPU-bound work (spin, none) the ideal time and
the efficiency count min(W, cpus_allowed_total) workers: past the CPUs a flat speedup is the ceiling
of the machine, not a failure, and the tables say so (W! marks an oversubscribed point). Sleep work
counts every worker: waiting needs no CPU. Records without these columns count W, as before.

Definitions (W workers, C = min(W, CPUs) the counted workers, T(W) the median time, W0 the baseline's
workers, normally 1):
  strong: speedup S = W0 T(W0) / T(W); ideal time W0 T(W0) / C
  weak:   scaled speedup S = W T(W0) / T(W); ideal time W T(W0) / C
  efficiency E = S / C = the ideal time / T(W)
  Karp-Flatt experimentally determined serial fraction e = (1/S - 1/C) / (1 - 1/C), for C > 1
  Amdahl fit (strong): the f that best fits S = 1 / (f + (1 - f) / W) (least squares on 1/S)
  Gustafson fit (weak): the f that best fits S = W - f (W - 1)
The fits use the points that have a CPU for every worker (W <= cpus_allowed_total, not oversubscribed;
W <= --cores where the records do not say); past the CPUs the Karp-Flatt column shows what
oversubscription costs. A series whose fitted points have 95% intervals and two of them overlap gets
no fit: the sweep cannot tell those times apart, so a curve through them would fit the noise; the
tables say which points overlap instead.

Imbalance. cube_mpi's records carry imbalance: the slowest rank's own compute phase over the ranks'
mean (1 is balanced). A point's notes give it (the median of its records), and scaling_points.csv
has it as its last column.

Time (--time). time_s (default): the median of the timed runs, the part the program times. end_to_end_s:
the whole program as one run, read_s + setup_s + time_s + output_s (end_to_end_s without the other
runs and the warm-ups), so reading, setting up, checking and printing count once, as they do in a
real run: the Amdahl fit then gives the serial fraction of the program itself, beside the record's
own serial_fraction. Rows without those columns are left out (and counted); end-to-end times have no
interval (the phases around the runs are measured once). Every table says which time it used.
"""
import argparse
import csv
import math
import os
import re
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
# Work that needs a CPU for every worker: its ideal and efficiency count at most the CPUs.
CPU_BOUND = {"spin", "none"}
# The colour of each family of series in the plot (gnuplot colour names), in legend order.
FAMILY_COLOUR = [("threads", "dark-blue"), ("tasks", "dark-cyan"), ("ranks scatter", "dark-red"),
                 ("ranks shared", "dark-orange"), ("hybrid", "dark-green")]
TIME_TEXT = {
    "time_s": "time_s, the median of each point's timed runs (the part the program times)",
    "end_to_end_s": "end_to_end_s, the whole program as one run: read_s + setup_s + time_s + output_s "
                    "(its reading, setting up, checking and printing count once, as in a real run)",
}
BATCH_JOB = re.compile(r"(^|\s)(SLURM_JOB_ID|PBS_JOBID)=")


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class InputError(Exception):
    """A CSV that cannot be read as records: one line for stderr, exit 2."""


def number(row, name, kind=float):
    """The column NAME of a row as a number, or None where the record has no such column or leaves it empty."""
    text = (row.get(name) or "").strip()
    if not text:
        return None
    value = kind(text)
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{name} is NaN")
    return value


def machine_of(row, one_machine):
    """The machine a row ran on: its host, or in a batch job the host with its digits as '*' (node01 and
    node17 are one cluster: jobs of different node counts form one study); everything one with one_machine."""
    if one_machine:
        return "one machine"
    host = row.get("host", "")
    if BATCH_JOB.search(row.get("job_env") or ""):
        return re.sub(r"\d+", "*", host)
    return host


def parse_row(row, measure, one_machine):
    """A validated row as the analysis needs it; None for a row that has no time of the measure."""
    time_s = number(row, "time_s")
    record = {
        "program": row["program"], "mode": row.get("mode", ""), "transport": row.get("transport", ""),
        "threads": int(row["threads"]), "workers": int(row["workers"]), "n": int(row["n"]),
        "work": row["work"], "delay_s": row["delay_s"], "host": row.get("host", ""),
        "machine": machine_of(row, one_machine),
        "nodes": number(row, "nodes", int) or 1, "cpus": number(row, "cpus_allowed_total", int),
        "oversubscribed": {"true": True, "false": False}.get((row.get("oversubscribed") or "").strip()),
        "serial_fraction": number(row, "serial_fraction"), "lo": None, "hi": None,
        "imbalance": number(row, "imbalance"),
        "read_s": number(row, "read_s"), "output_s": number(row, "output_s"),
    }
    if measure == "time_s":
        record["time"] = time_s
        record["lo"], record["hi"] = number(row, "time_ci95_lo_s"), number(row, "time_ci95_hi_s")
        if record["lo"] is None or record["hi"] is None:
            record["lo"] = record["hi"] = None
    else:
        phases = [number(row, name) for name in ("read_s", "setup_s", "output_s")]
        if any(p is None for p in phases):
            return None
        record["time"] = time_s + sum(phases)
    if record["cpus"] is not None and record["cpus"] < 1:
        record["cpus"] = None
    return record


def read_rows(paths, measure="time_s", one_machine=False):
    """The usable rows of the CSVs, and how many were left out, by reason."""
    rows, skipped = [], defaultdict(int)
    for path in paths:
        try:
            with open(path, newline="") as f:
                lines = list(csv.reader(f))
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read '{path}': {getattr(error, 'strerror', None) or error}")
        header = None
        for number_, fields in enumerate(lines, start=1):
            if not fields:
                continue
            if fields[0] == "program":
                header = fields
                continue
            if header is None:
                raise InputError(f"'{path}' line {number_}: a row before any header line")
            row = dict(zip(header, fields))
            if row.get("valid") != "true" or not row.get("time_s"):
                skipped["invalid"] += 1
                continue
            try:
                record = parse_row(row, measure, one_machine)
            except (KeyError, ValueError):
                skipped["unreadable"] += 1
                continue
            if record is None:
                skipped["no_phases"] += 1
                continue
            rows.append(record)
    return rows, skipped


def family(row):
    """The series' shape: how its workers are made."""
    program, threads = row["program"], row["threads"]
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


def series_label(row, shape, with_machine):
    program, mode = row["program"], row.get("mode", "")
    if shape.startswith("hybrid"):
        transport, threads = shape.split()[1], shape.split()[2][1:]
        text = f"hybrid: ranks x {threads} threads (cube_mpi {transport})"
    elif shape.startswith("ranks"):
        text = f"ranks (cube_mpi {shape.split()[1]})"
    else:
        text = f"{shape} ({program}{' ' + mode if mode and program != 'cube_omp' else ''})"
    return f"{text} @{row['machine']}" if with_machine else text


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


def aggregate(rows, borrowed=False):
    """One point from its rows: the median time; the interval from the lowest to the highest bound when every
    row has one; the most CPUs any row had; oversubscribed when any row was (None: no row says)."""
    times = [r["time"] for r in rows]
    bounded = all(r["lo"] is not None for r in rows)
    cpus = [r["cpus"] for r in rows if r["cpus"] is not None]
    flags = [r["oversubscribed"] for r in rows if r["oversubscribed"] is not None]
    fractions = [r["serial_fraction"] for r in rows if r["serial_fraction"] is not None]
    imbalances = [r["imbalance"] for r in rows if r.get("imbalance") is not None]
    phases = {name: [r[name] for r in rows if r.get(name) is not None] for name in ("read_s", "output_s")}
    return {"read_s": statistics.median(phases["read_s"]) if phases["read_s"] else None,
            "output_s": statistics.median(phases["output_s"]) if phases["output_s"] else None,
            "time": statistics.median(times), "records": len(rows),
            "imbalance": statistics.median(imbalances) if imbalances else None,
            "lo": min(r["lo"] for r in rows) if bounded else None,
            "hi": max(r["hi"] for r in rows) if bounded else None,
            "cpus": max(cpus) if cpus else None, "oversubscribed": any(flags) if flags else None,
            "serial_fraction": statistics.median(fractions) if fractions else None, "borrowed": borrowed}


def analyze(rows, cores):
    machines = {r["machine"] for r in rows}
    with_machine = len(machines) > 1
    # Group: (machine, program, mode, transport, work, delay) -> shape -> rows
    groups = defaultdict(lambda: defaultdict(list))
    for r in rows:
        base = (r["machine"], r["program"], r["mode"], r["transport"], r["work"], r["delay_s"])
        groups[base][family(r)].append(r)

    series = []
    for base, shapes in groups.items():
        # The 1-worker runs of this program, any shape: the baselines, by n.
        one_worker = defaultdict(list)
        for shape_rows in shapes.values():
            for r in shape_rows:
                if r["workers"] == 1:
                    one_worker[r["n"]].append(r)
        for shape, shape_rows in shapes.items():
            grouped = defaultdict(list)  # (workers, n, nodes) -> rows
            example = {}
            for r in shape_rows:
                key = (r["workers"], r["n"], r["nodes"])
                grouped[key].append(r)
                example[key] = r
            points = {key: aggregate(found) for key, found in grouped.items()}
            for n, found in one_worker.items():
                if not any(w == 1 and m == n for w, m, _ in points):
                    points[(1, n, 1)] = aggregate(found, borrowed=True)
            used = set()
            by_n = defaultdict(dict)
            for (w, n, nodes), point in points.items():
                by_n[n][(w, nodes)] = point
            for n, at in sorted(by_n.items()):
                if len({w for w, _ in at}) >= 2 and any(w > 1 for w, _ in at):
                    series.append(make_series(base, shape, "strong", n, at, example, with_machine, cores))
                    used.update((w, n, nodes) for w, nodes in at)
            by_ratio = defaultdict(dict)
            for (w, n, nodes), point in points.items():
                if (w, n, nodes) in used and w > 1:
                    continue
                by_ratio[Fraction(n, w)][(w, nodes)] = dict(point, n=n)
            for ratio, at in sorted(by_ratio.items()):
                if len({w for w, _ in at}) >= 2 and any(w > 1 for w, _ in at):
                    series.append(make_series(base, shape, "weak", ratio, at, example, with_machine, cores))
    # A hybrid series made only of borrowed baselines has one point of its own at least; drop empty ones.
    series = [s for s in series if any(p["workers"] > 1 for p in s["points"])]
    series.sort(key=lambda s: (WORK_ORDER.index(s["work"]) if s["work"] in WORK_ORDER else 9, s["scaling"],
                               [f for f, _ in FAMILY_COLOUR].index(next((f for f, _ in FAMILY_COLOUR
                                                                         if s["family"].startswith(f)), "threads")),
                               s["label"]))
    return series


def counted_workers(work, workers, cpus):
    """The workers the ideal counts: CPU-bound work runs at most one worker a CPU at a time."""
    if work in CPU_BOUND and cpus is not None:
        return min(workers, cpus)
    return workers


def make_series(base, shape, scaling, size, at, example, with_machine, cores):
    """A series from its points, at = {(workers, nodes): point}; size is n (strong) or n per worker (weak)."""
    machine, program, mode, transport, work, delay = base
    order = sorted(at)
    w0, nodes0 = order[0]
    base_point = at[(w0, nodes0)]
    t0 = base_point["time"]
    row = next((example[k] for k in example if k[0] > 1), next(iter(example.values())))
    points = []
    for w, nodes in order:
        p = at[(w, nodes)]
        t = p["time"]
        counted = counted_workers(work, w, p["cpus"])
        scale = w0 if scaling == "strong" else w
        speedup = scale * t0 / t
        ideal = scale * t0 / counted
        efficiency = speedup / counted
        low = high = None
        if p is base_point:
            low = high = speedup  # 1 by definition: no bar
        elif p["lo"] is not None and base_point["lo"] is not None:
            low, high = scale * base_point["lo"] / p["hi"], scale * base_point["hi"] / p["lo"]
        n = size if scaling == "strong" else p["n"]
        cpu_limit = p["cpus"] if p["cpus"] is not None else cores
        fits = w <= cpu_limit and not (p["oversubscribed"] and work in CPU_BOUND)
        points.append({"workers": w, "nodes": nodes, "n": n, "time_s": t, "lo": p["lo"], "hi": p["hi"],
                       "speedup": speedup, "speedup_lo": low, "speedup_hi": high, "efficiency": efficiency,
                       "ideal_s": ideal, "counted": counted, "cpus": p["cpus"],
                       "karp_flatt": karp_flatt(speedup, counted),
                       "oversubscribed": p["oversubscribed"], "borrowed": p["borrowed"], "records": p["records"],
                       "serial_fraction": p["serial_fraction"], "fits": fits, "imbalance": p["imbalance"],
                       "read_s": p.get("read_s"), "output_s": p.get("output_s")})
    for p in points:
        p["note"] = point_note(p, work)
    model = "amdahl" if scaling == "strong" else "gustafson"
    fitted = [p for p in points if p["fits"]]
    within = [(p["workers"], p["speedup"]) for p in fitted]
    fit = fit_serial_fraction(within, model)
    fit_workers = max(w for w, _ in within) if fit is not None else None
    if fit is None:
        fitted = points
        fit = fit_serial_fraction([(p["workers"], p["speedup"]) for p in points], model)
        fit_workers = max(p["workers"] for p in points)
    # A curve through points the noise cannot tell apart says nothing: no fit where two intervals overlap.
    no_fit = indistinct(fitted)
    if no_fit:
        fit = None
    size_text = f"n {size}" if scaling == "strong" else f"n/worker {size}"
    return {"machine": machine, "program": program, "mode": mode, "transport": transport, "work": work,
            "delay_s": delay, "family": shape, "scaling": scaling, "size": size_text, "size_key": size,
            "label": series_label(row, shape, with_machine), "points": points, "model": model,
            "serial_fraction": fit, "fit_max_workers": fit_workers, "no_fit": no_fit,
            "record_serial_fraction": base_point["serial_fraction"]}


def indistinct(points):
    """Why no fit goes through points: the first two whose 95% intervals overlap ("" when every pair is apart, or
    when a point has no interval to judge by)."""
    if len(points) < 2 or any(p["lo"] is None for p in points):
        return ""
    for i, a in enumerate(points):
        for b in points[i + 1:]:
            if a["lo"] <= b["hi"] and b["lo"] <= a["hi"]:
                return (f"no fit: the 95% intervals of {a['workers']} and {b['workers']} workers overlap, so the "
                        "times cannot be told apart and a curve through them would fit the noise")
    return ""


def point_note(p, work):
    """What a reader should know about a point: the CPU ceiling, oversubscription, nodes."""
    notes = []
    w, cpus = p["workers"], p["cpus"]
    if p["counted"] < w:
        notes.append(f"oversubscribed: {w} workers on {cpus} CPUs; the ceiling: the ideal and the efficiency "
                     f"count {p['counted']}")
    elif p["oversubscribed"]:
        if work in CPU_BOUND:
            notes.append("oversubscribed: some workers share a CPU (their affinity masks overlap)")
        else:
            on = f" on {cpus} CPUs" if cpus is not None and cpus < w else ""
            notes.append(f"oversubscribed: {w} workers{on}; {work} work waits and needs no CPU, so the ideal counts "
                         "every worker")
    if p["nodes"] > 1:
        notes.append(f"across {p['nodes']} nodes")
    if p.get("imbalance") is not None and p["workers"] > 1:
        notes.append(f"imbalance {p['imbalance']:.2f} (the slowest rank's compute over the mean)")
    return "; ".join(notes)


def fmt(x, digits=3):
    if x is None:
        return ""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def fmt_time(x):
    return "" if x is None else f"{x:.4g}"


def interval_text(p):
    return "" if p["lo"] is None else f"{fmt_time(p['lo'])}-{fmt_time(p['hi'])}"


def worker_mark(p):
    """W, with ! when oversubscribed (or past the CPUs) and + across nodes: the tables' marks."""
    mark = "!" if p["oversubscribed"] or p["counted"] < p["workers"] else ""
    return f"{p['workers']}{mark}{'+' if p['nodes'] > 1 else ''}"


def write_outputs(series, out, cores, skipped, measure="time_s"):
    os.makedirs(os.path.join(out, "plot"), exist_ok=True)
    with open(os.path.join(out, "scaling_points.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "scaling", "size", "host", "program", "mode", "transport", "work", "delay_s",
                    "workers", "n", "time_s", "speedup", "efficiency", "karp_flatt", "time", "time_ci95_lo_s",
                    "time_ci95_hi_s", "speedup_lo", "speedup_hi", "ideal_s", "counted_workers", "nodes",
                    "cpus_allowed_total", "oversubscribed", "records", "note", "imbalance"])
        for s in series:
            for p in s["points"]:
                flag = "" if p["oversubscribed"] is None else str(p["oversubscribed"]).lower()
                w.writerow([s["label"], s["scaling"], s["size"], s["machine"], s["program"], s["mode"],
                            s["transport"], s["work"], s["delay_s"], p["workers"], p["n"], f"{p['time_s']:.9g}",
                            fmt(p["speedup"], 4), fmt(p["efficiency"], 4), fmt(p["karp_flatt"], 4), measure,
                            "" if p["lo"] is None else f"{p['lo']:.9g}", "" if p["hi"] is None else f"{p['hi']:.9g}",
                            fmt(p["speedup_lo"], 4), fmt(p["speedup_hi"], 4), f"{p['ideal_s']:.9g}", p["counted"],
                            p["nodes"], "" if p["cpus"] is None else p["cpus"], flag, p["records"], p["note"],
                            fmt(p["imbalance"], 4)])
    with open(os.path.join(out, "scaling_series.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "scaling", "size", "work", "delay_s", "max_workers", "speedup_at_max",
                    "efficiency_at_max", "karp_flatt_at_max", "model", "serial_fraction", "fit_max_workers", "time",
                    "counted_workers_at_max", "nodes_at_max", "record_serial_fraction"])
        for s in series:
            last = s["points"][-1]
            w.writerow([s["label"], s["scaling"], s["size"], s["work"], s["delay_s"], last["workers"],
                        fmt(last["speedup"], 4), fmt(last["efficiency"], 4), fmt(last["karp_flatt"], 4),
                        s["model"], fmt(s["serial_fraction"], 4), s["fit_max_workers"], measure, last["counted"],
                        last["nodes"], fmt(s["record_serial_fraction"], 4)])
    text = markdown(series, cores, skipped, measure)
    with open(os.path.join(out, "scaling.md"), "w") as f:
        f.write(text)
    write_plot(series, out, cores, measure)
    return text


def works_of(series):
    return sorted({s["work"] for s in series}, key=lambda k: WORK_ORDER.index(k) if k in WORK_ORDER else 9)


def markdown(series, cores, skipped, measure="time_s"):
    lines = [f"Times: {TIME_TEXT[measure]}.", ""]
    any_interval = any(p["lo"] is not None for s in series for p in s["points"])
    for work in works_of(series):
        chosen = [s for s in series if s["work"] == work]
        delay = chosen[0]["delay_s"]
        lines.append(f"**{WORK_TITLE.get(work, work)}**" + (f", {float(delay):g} s an item" if work != "none" else ""))
        lines.append("")
        record_column = measure == "end_to_end_s"
        lines.append("| series | scaling | size | speedup at 1, 2, 4 ... workers | efficiency at the most "
                     "| Karp-Flatt at the most | serial fraction (fit) |"
                     + (" serial_fraction of the record (1 worker) |" if record_column else ""))
        lines.append("|---|---|---|---|---|---|---|" + ("---|" if record_column else ""))
        for s in chosen:
            speedups = ", ".join(f"{worker_mark(p)}: {p['speedup']:.2f}" for p in s["points"])
            last = s["points"][-1]
            efficiency = f"{last['efficiency']:.2f}"
            if last["counted"] < last["workers"]:
                efficiency += f" (counts {last['counted']} CPUs, not {last['workers']} workers: the ceiling)"
            fit = s["no_fit"] or f"{s['serial_fraction']:.3f} ({s['model']}, W <= {s['fit_max_workers']})"
            lines.append(f"| {s['label']} | {s['scaling']} | {s['size']} | {speedups} | {efficiency} "
                         f"| {fmt(last['karp_flatt'])} | {fit} |"
                         + (f" {fmt(s['record_serial_fraction'])} |" if record_column else ""))
        marks = {m for s in chosen for p in s["points"] for m in "!+" if m in worker_mark(p)}
        legend = []
        if "!" in marks:
            legend.append("W! oversubscribed: more workers than the CPUs they may use" +
                          (" (for CPU-bound work the ideal counts only the CPUs: a flat speedup there is the "
                           "ceiling of the machine, not a failure)" if work in CPU_BOUND else
                           f" ({work} work waits and needs no CPU: the ideal counts every worker)"))
        if "+" in marks:
            legend.append("W+ across nodes: the workers ran on more than one host")
        if legend:
            lines += ["", "; ".join(legend) + "."]
        lines += ["", "| series | scaling | workers | nodes | time (s) | 95% interval (s) | speedup | efficiency "
                  "| Karp-Flatt | notes |", "|---|---|---|---|---|---|---|---|---|---|"]
        for s in chosen:
            for p in s["points"]:
                lines.append(f"| {s['label']} | {s['scaling']} | {worker_mark(p)} | {p['nodes']} "
                             f"| {fmt_time(p['time_s'])} | {interval_text(p)} | {p['speedup']:.2f} "
                             f"| {p['efficiency']:.2f} | {fmt(p['karp_flatt'])} | {p['note']} |")
        lines.append("")
        if any(p["read_s"] is not None for s in chosen for p in s["points"]):
            # The serial phases around the runs: what the record's serial fraction is made of (cube_mpi --io mpi
            # --output spreads reading and writing over the ranks; the scatter's rank 0 does both alone).
            lines += ["The phases around the runs (medians of the records): reading the list, and the output "
                      "(the self-check, the result lines, the record):", "",
                      "| series | scaling | workers | read_s | output_s | serial_fraction of the record |",
                      "|---|---|---|---|---|---|"]
            for s in chosen:
                for p in s["points"]:
                    lines.append(f"| {s['label']} | {s['scaling']} | {worker_mark(p)} | {fmt_time(p['read_s'])} "
                                 f"| {fmt_time(p['output_s'])} | {fmt(p['serial_fraction'])} |")
            lines.append("")
    if series:
        if measure == "end_to_end_s":
            lines.append("95% intervals: none for end-to-end times (the phases around the runs are measured once).")
        elif any_interval:
            lines.append("95% interval: the range that holds the true median of a point's time 95 times in 100 "
                         "(from 5 or more timed runs, by order statistics, whatever the noise looks like).")
        else:
            lines.append("95% intervals: none; the records have none (a record carries one from 5 or more timed "
                         "runs: --repeat 5).")
        lines.append("")
    within, between = noise_lines(series) if measure == "time_s" else ([], [])
    if within or between:
        lines += ["**Which differences are noise**: where two 95% intervals overlap, the two medians may differ "
                  "by chance alone, and this sweep cannot tell the two times apart. More timed runs (--repeat) or "
                  "a quieter machine narrow the intervals.", ""]
        if within:
            lines += ["Within a series, one point against the next:", ""] + [f"- {line}" for line in within] + [""]
        if between:
            lines += ["Between series, at the same workers and n:", ""] + [f"- {line}" for line in between] + [""]
    elif any_interval:
        lines += ["**Which differences are noise**: none of the intervals compared (a series' neighbouring points, "
                  "series at the same workers and n) overlap: every difference in the tables is larger than the "
                  "noise.", ""]
    lines.append(f"Fits over the points with a CPU for every worker (the records' cpus_allowed_total; {cores} cores "
                 "where the records do not say); weak scaling: scaled speedup W T(1)/T(W).")
    if skipped.get("invalid"):
        lines.append(f"{skipped['invalid']} row(s) that did not validate were left out.")
    if skipped.get("unreadable"):
        lines.append(f"{skipped['unreadable']} row(s) with a value that is not a number were left out.")
    if skipped.get("no_phases"):
        lines.append(f"{skipped['no_phases']} row(s) without read_s, setup_s and output_s (records from before the "
                     "phases were recorded) were left out: --time end_to_end_s needs them.")
    return "\n".join(lines) + "\n"


def overlap(a, b):
    return a["lo"] is not None and b["lo"] is not None and a["lo"] <= b["hi"] and b["lo"] <= a["hi"]


def and_list(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def workers_text(p):
    """'4 workers', '4 workers on 2 nodes'."""
    text = f"{p['workers']} worker{'s' if p['workers'] != 1 else ''}"
    return text + (f" on {p['nodes']} nodes" if p["nodes"] > 1 else "")


def named(s, p, with_interval=True):
    """A series' point among others at the same workers: its label, its nodes when more than one, its interval."""
    text = s["label"] + (f" on {p['nodes']} nodes" if p["nodes"] > 1 else "")
    return text + (f" {interval_text(p)} s" if with_interval else "")


def cliques(found):
    """The largest groups of points whose intervals all overlap, each as a list of indexes into found: intervals
    that overlap pairwise share a time, so each group is the points whose interval holds some lower bound."""
    groups = []
    for _, p in sorted(found, key=lambda item: item[1]["lo"]):
        group = [i for i, (_, q) in enumerate(found) if q["lo"] <= p["lo"] <= q["hi"]]
        if len(group) > 1 and not any(set(group) <= set(g) for g in groups):
            groups = [g for g in groups if not set(g) <= set(group)] + [group]
    return groups


def noise_lines(series):
    """The differences a sweep cannot tell from noise, in words: (within) a series' neighbouring points whose
    intervals overlap, one line a series; (between) series at the same workers and n whose intervals overlap,
    one line for each such workers and n, naming each group of series that share a time."""
    within = []
    for s in series:
        steps, meanings, involved = [], [], []
        for a, b in zip(s["points"], s["points"][1:]):
            if not overlap(a, b):
                continue
            involved += [p for p in (a, b) if not any(p is q for q in involved)]
            if a["workers"] == b["workers"]:
                steps.append(f"{a['workers']} workers on {a['nodes']} and on {b['nodes']} nodes")
                meaning = "spreading the workers over more nodes changed nothing this run can show"
            else:
                steps.append(f"{a['workers']} and {b['workers']} workers")
                meaning = ("more workers gained nothing this run can show" if s["scaling"] == "strong" else
                           "more workers, each with the same work, cost no time this run can show: weak scaling "
                           "held")
            if meaning not in meanings:
                meanings.append(meaning)
        if steps:
            times = ", ".join(f"{workers_text(p)} {interval_text(p)} s" for p in involved)
            of = [f"of {step}" for step in steps]
            pairs = of[0] if len(of) == 1 else ", ".join(of[:-1]) + ", and " + of[-1] + ","
            within.append(f"{s['work']}, {s['label']}, {s['scaling']} {s['size']}: {times}: the intervals "
                          f"{pairs} overlap, so this run cannot tell "
                          f"{'them' if len(steps) > 1 else 'the two'} apart ({'; '.join(meanings)}).")
    # Series at the same workers and n: the same work, delay and scaling, any shape, program or machine.
    at = defaultdict(list)
    for s in series:
        for p in s["points"]:
            if p["lo"] is not None and not p["borrowed"]:
                at[(s["work"], s["delay_s"], s["scaling"], p["n"], p["workers"])].append((s, p))
    between = []
    for (work, _delay, scaling, n, workers), found in sorted(at.items(), key=lambda item: (
            WORK_ORDER.index(item[0][0]) if item[0][0] in WORK_ORDER else 9, item[0][2], item[0][3], item[0][4])):
        groups = cliques(found)
        if not groups:
            continue
        head = f"{work}, {scaling} n {n}, {workers} worker{'s' if workers != 1 else ''}"
        involved = sorted({i for group in groups for i in group})
        times = and_list([named(*found[i]) for i in involved])
        if len(groups) == 1:
            verdict = "which is faster" if len(groups[0]) == 2 else "which of them is faster"
            between.append(f"{head}: {times}: the intervals overlap, so this run cannot tell {verdict}.")
        else:
            sets = [and_list([named(*found[i], with_interval=False) for i in group]) for group in groups]
            between.append(f"{head}: {times}: this run cannot tell apart {'; nor '.join(sets)} (within each of "
                           "these groups the intervals overlap).")
    return within, between


def gp_data_string(text):
    """TEXT as one double-quoted field of a gnuplot data file: data, which gnuplot never runs (no
    backquotes, no macros there); a double quote or a line break inside would end the field."""
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def gp_number(x, digits=6):
    return "NaN" if x is None else f"{x:.{digits}g}"


# The point types: within one node a circle, across nodes a square; filled for strong scaling, open for weak.
POINT_TYPE = {("strong", False): 7, ("weak", False): 6, ("strong", True): 5, ("weak", True): 4}


# A panel answers one question: how one kind of work scales, strong or weak, with at most this many series.
PANEL_SERIES = 4
WORK_NAME = {"none": "no work (the bare map)"}
QUESTION = {"strong": "how much faster with more workers (n fixed)?",
            "weak": "does the time hold as n grows with the workers?"}


def plot_panels(series):
    """The plot's panels, one question each: (work, scaling, its series (at most PANEL_SERIES), title)."""
    panels = []
    for work in works_of(series):
        for scaling in ("strong", "weak"):
            chosen = [s for s in series if s["work"] == work and s["scaling"] == scaling]
            count = math.ceil(len(chosen) / PANEL_SERIES)  # as few panels as hold them, shared out evenly
            size = math.ceil(len(chosen) / count) if count else 1
            parts = [chosen[i:i + size] for i in range(0, len(chosen), size)]
            for number_, part in enumerate(parts, start=1):
                of = f" ({number_} of {len(parts)})" if len(parts) > 1 else ""
                title = f"{WORK_NAME.get(work, work + ' work')}, {scaling} scaling{of}: {QUESTION[scaling]}"
                panels.append((work, scaling, part, title))
    return panels


def fitted_range(values, lowest=None):
    """A log2 axis range that holds values (points and their error bars), with a margin: never less than one
    octave, so a flat series is not drawn as a steep one."""
    low, high = min(values), max(values)
    if lowest is not None:
        low = min(low, lowest)
    low, high = low / 1.2, high * 1.2
    if high / low < 2:
        middle = math.sqrt(low * high)
        low, high = middle / math.sqrt(2), middle * math.sqrt(2)
    return low, high


def write_plot(series, out, cores, measure="time_s"):
    """scaling_panels.gp and its data under out/plot/. The gnuplot code holds only this file's own words
    and numbers: every title (series labels carry host names; the folder is the user's) is read from
    data files, found through the variable dir that plot_scaling.gp sets from its argument. One panel a
    question (a kind of work, strong or weak), at most PANEL_SERIES series in each, each axis fitted to its
    panel's points and their error bars; the efficiency is in the tables."""
    plot_dir = os.path.join(out, "plot")
    for name in os.listdir(plot_dir):  # a rerun into the same folder: no stale series
        if name.endswith(".dat"):
            os.remove(os.path.join(plot_dir, name))
    panels = plot_panels(series)
    rows = max(math.ceil(len(panels) / 2), 1)
    with open(os.path.join(plot_dir, "layout.dat"), "w") as f:
        f.write(f"# panel rows, read by plot_scaling.gp\n{rows}\n")
    titles = []
    lines = [f"# generated by scaling_analyze.py: {len(series)} series in {len(panels)} panels; loaded by "
             "plot_scaling.gp, which sets dir",
             f"set multiplot layout {rows},2 rowsfirst",
             "set logscale x 2", "set logscale y 2",
             "set xlabel 'workers (threads, ranks, or ranks x threads)'", "set ylabel 'speedup'",
             "set grid", "set key below horizontal maxcols 2 font ',8' noenhanced spacing 0.9"]
    if not panels:
        lines += ["set title 'no series'", "plot x notitle", "unset multiplot"]
    number_ = 0
    written = {}
    for work, scaling, chosen, title in panels:
        everything = [p for s in chosen for p in s["points"]]
        files = []
        for s in chosen:
            name = f"{number_}.dat"
            number_ += 1
            files.append(name)
            written[id(s)] = name
            with open(os.path.join(plot_dir, name), "w") as f:
                f.write(gp_data_string(f"{s['label']}, {s['scaling']} {s['size']}") + " speedup efficiency time_s n "
                        "speedup_lo speedup_hi efficiency_lo efficiency_hi point_type oversubscribed nodes\n")
                for p in s["points"]:
                    bar = p["speedup_lo"] is not None and p["speedup_lo"] != p["speedup_hi"]
                    low, high = (p["speedup_lo"], p["speedup_hi"]) if bar else (None, None)
                    over = 1 if p["oversubscribed"] or p["counted"] < p["workers"] else 0
                    f.write(" ".join([str(p["workers"]), gp_number(p["speedup"]), gp_number(p["efficiency"]),
                                      gp_number(p["time_s"], 9), str(p["n"]), gp_number(low), gp_number(high),
                                      gp_number(None if low is None else low / p["counted"]),
                                      gp_number(None if high is None else high / p["counted"]),
                                      str(POINT_TYPE[(s["scaling"], p["nodes"] > 1)]), str(over),
                                      str(p["nodes"])]) + "\n")
        # The CPU ceiling of CPU-bound work: at each worker count the most workers the ideal counts.
        ceiling = None
        if work in CPU_BOUND and any(p["counted"] < p["workers"] for p in everything):
            ceiling = f"ceiling_{work}.dat"  # the first panel's; a second panel of that work gets its own
            if os.path.exists(os.path.join(plot_dir, ceiling)):
                ceiling = f"ceiling_{work}_{number_}.dat"
            counted = defaultdict(int)
            for p in everything:
                counted[p["workers"]] = max(counted[p["workers"]], p["counted"])
            with open(os.path.join(plot_dir, ceiling), "w") as f:
                f.write('"the CPU ceiling: min(workers, CPUs)" counted\n')
                f.write("".join(f"{w} {c}\n" for w, c in sorted(counted.items())))
        single = [p["cpus"] for p in everything if p["cpus"] is not None and p["nodes"] == 1]
        cpu_line, cpu_word = (max(single), "CPUs") if single else (cores, "cores")
        across = sorted(p["workers"] for p in everything if p["nodes"] > 1)
        bars = any(p["speedup_lo"] is not None and p["speedup_lo"] != p["speedup_hi"] for p in everything)
        oversubscribed = any(p["oversubscribed"] or p["counted"] < p["workers"] for p in everything)
        lines.append(f"stats dir . '/plot/titles.dat' every ::{len(titles)}::{len(titles)} "
                     "using (panel_title = strcol(1), 1) nooutput")
        suffix = " (end-to-end times)" if measure == "end_to_end_s" else ""
        titles.append(title + suffix)
        lines.append("set title panel_title noenhanced")
        # Both axes fitted to this panel: its workers, and its speedups with their error bars inside the frame.
        workers = [p["workers"] for p in everything]
        left, right = min(workers) / 1.15, max(workers) * 1.15
        values = [p["speedup"] for p in everything]
        values += [v for p in everything for v in (p["speedup_lo"], p["speedup_hi"]) if v]
        bottom, top = fitted_range(values, lowest=1.0)
        lines += [f"set xrange [{left:g}:{right:g}]", f"set yrange [{bottom:.4g}:{top:.4g}]"]
        if left <= cpu_line <= right:
            lines.append(f"set arrow 1 from {cpu_line}, graph 0 to {cpu_line}, graph 1 nohead dt 3 lc 'gray40'")
            lines.append(f"set label 1 '{cpu_line} {cpu_word}' at {cpu_line}, graph 0.04 offset 0.5,0 font ',8' "
                         "tc 'gray40'")
        if across:
            lines.append(f"set arrow 2 from {across[0]}, graph 0 to {across[0]}, graph 1 nohead dt 4 lw 1.5 "
                         "lc 'dark-violet'")
            lines.append(f"set label 2 'more than one node' at {across[0]}, graph 0.1 offset 0.5,0 font ',8' "
                         "tc 'dark-violet'")
        plots = ["x title 'ideal' lc 'gray50' dt 2 lw 1"]
        if ceiling:
            plots.append(f"dir . '/plot/{ceiling}' using 1:2 with lines title columnheader(1) "
                         "lc 'gray30' dt 4 lw 1.5")
        for index, (s, name) in enumerate(zip(chosen, files)):
            colour = family_colour(s["family"])
            data = f"dir . '/plot/{name}'"
            # With error bars, each series a little to the side of the others (on the log axis), so that
            # bars at the same workers stay apart.
            x = f"($1 * {2 ** (0.03 * (index - (len(chosen) - 1) / 2)):.5f})" if bars else "1"
            if bars:
                plots.append(f"{data} using {x}:2:6:7 with yerrorbars lc '{colour}' pt 7 ps 0.3 notitle")
            plots.append(f"{data} using {x}:2:10 with linespoints title columnheader(1) "
                         f"lc '{colour}' dt 1 pt variable ps 0.8 lw 1.5")
            if oversubscribed:
                plots.append(f"{data} using {x}:($11 > 0 ? $2 : NaN) with points pt 2 ps 1.8 lw 1.5 "
                             "lc 'black' notitle")
        if bars:
            plots.append("keyentry with yerrorbars lc 'gray30' pt 7 ps 0.3 title 'the 95% interval'")
        if oversubscribed:
            plots.append("keyentry with points pt 2 ps 1.2 lw 1.5 lc 'black' "
                         "title 'oversubscribed (more workers than CPUs)'")
        if across:
            plots.append("keyentry with points pt 4 lc 'gray30' title 'square: across nodes'")
        lines.append("plot " + ", \\\n     ".join(plots))
        lines.append("unset arrow 1; unset label 1; unset arrow 2; unset label 2")
    if panels:
        lines.append("unset multiplot")
    with open(os.path.join(plot_dir, "titles.dat"), "w") as f:
        f.write("".join(gp_data_string(t) + "\n" for t in titles) or '"no series"\n')
    with open(os.path.join(out, "scaling_panels.gp"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = OneLineParser(prog="scaling_analyze.py", description=__doc__.split("\n\n")[0].split(" - ", 1)[1],
                           epilog=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", help="CSV files of records (scaling.csv, batch-job results)")
    parser.add_argument("--out", help="where the outputs go (default: the first CSV's folder)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                        help="cores of the machine (default: this one's), for records without cpus_allowed_total: "
                             "the fits use W <= cores")
    parser.add_argument("--time", choices=["time_s", "end_to_end_s"], default="time_s",
                        help="the time each point is read by: time_s (default), the timed runs' median; "
                             "end_to_end_s, the whole program as one run (its serial parts count)")
    parser.add_argument("--one-machine", action="store_true",
                        help="read every row as from one machine (a cluster whose node names differ by more "
                             "than digits)")
    args = parser.parse_args()
    if args.cores < 1:
        parser.error("--cores must be at least 1")
    out = args.out or os.path.dirname(os.path.abspath(args.csv[0]))
    try:
        rows, skipped = read_rows(args.csv, args.time, args.one_machine)
    except InputError as error:
        print(f"scaling_analyze.py: error: {error}", file=sys.stderr)
        return 2
    series = analyze(rows, args.cores)
    text = write_outputs(series, out, args.cores, skipped, args.time)
    if not series:
        print("scaling_analyze.py: warning: no series (each needs a 1-worker run and at least one more point)",
              file=sys.stderr)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
