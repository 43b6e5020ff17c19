# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The scaling analysis as a reader meets it: the median's 95% interval in the tables and the plot, the sentences
that say which differences are noise, oversubscribed points and the CPU ceiling of CPU-bound work, points within
and across nodes (batch jobs of 1, 2 and 4 nodes read as one study), the whole program's end-to-end time for
Amdahl, and older CSVs read as before. Synthetic CSVs for the arithmetic, one tiny real sweep for the columns the
programs write. No test asserts an absolute time."""
import csv
import math
import os
import re

import pytest
from conftest import SCRIPTS, need_built, need_command, rows, run

ANALYZE = SCRIPTS / "scaling_analyze.py"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
# The programs' record today (cube_omp --csv), and the record before placement, intervals and phases.
COLUMNS = ["program", "mode", "threads", "ranks", "workers", "nodes", "cpus_allowed_total", "oversubscribed", "n",
           "work", "delay_s", "warmup", "repeat", "time_s", "time_min_s", "time_max_s", "time_ci95_lo_s",
           "time_ci95_hi_s", "ideal_s", "ratio", "items_per_s", "read_s", "setup_s", "output_s", "end_to_end_s",
           "serial_fraction", "valid", "host", "compiler", "openmp", "mpi_library", "omp_env", "job_env", "date"]
OLD_COLUMNS = ["program", "mode", "transport", "threads", "ranks", "workers", "n", "work", "delay_s", "warmup",
               "repeat", "time_s", "time_min_s", "time_max_s", "ideal_s", "ratio", "items_per_s", "valid", "host",
               "compiler", "openmp", "mpi_library", "libcurl", "omp_env", "job_env", "date"]


def point(time, workers=1, threads=None, program="cube_omp", mode="loop", n=16, work="spin", ci=None, cpus=2,
          nodes=1, host="h1", job="", serial=0.0, transport=None):
    """One record: threads x ranks = workers (threads = workers unless given); ci = (lo, hi) or None."""
    threads = workers if threads is None else threads
    ranks = workers // threads
    oversubscribed = "" if cpus is None else str(workers > cpus).lower()
    record = {"program": program, "mode": mode, "threads": threads, "ranks": ranks, "workers": workers,
              "nodes": nodes, "cpus_allowed_total": "" if cpus is None else cpus, "oversubscribed": oversubscribed,
              "n": n, "work": work, "delay_s": 0.01, "warmup": 1, "repeat": 5, "time_s": time, "time_min_s": time,
              "time_max_s": time, "time_ci95_lo_s": ci[0] if ci else "", "time_ci95_hi_s": ci[1] if ci else "",
              "ideal_s": "", "ratio": "", "items_per_s": "", "read_s": 0.0, "setup_s": serial, "output_s": 0.0,
              "end_to_end_s": serial + 6 * time, "serial_fraction": serial / (serial + time), "valid": "true",
              "host": host, "compiler": "gcc", "openmp": 201511, "mpi_library": "", "omp_env": "", "job_env": job,
              "date": "2026-01-01T00:00:00Z"}
    if transport is not None:
        record["transport"] = transport
    return record


def write(path, records, columns=None):
    """A CSV of records under one header (the columns of the first record's kind, or COLUMNS)."""
    columns = columns or COLUMNS + (["transport"] if any("transport" in r for r in records) else [])
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for r in records:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def analyze(out, *csvs, options=(), cores=2):
    result = run([PYTHON, ANALYZE, "--out", out, "--cores", cores, *options, *csvs], timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def points_of(out, series=None):
    found = table(out / "scaling_points.csv")
    return [p for p in found if series is None or p["series"] == series]


def noise_section(text):
    return text.split("**Which differences are noise**", 1)[1] if "**Which differences are noise**" in text else ""


# --- 1. the median's 95% interval ----------------------------------------------------------------------------

def test_intervals_reach_the_tables_the_points_and_the_error_bars(tmp_path):
    write(tmp_path / "a.csv", [point(1.0, 1, ci=(0.9, 1.1)), point(0.5, 2, ci=(0.45, 0.55)),
                               point(0.26, 4, ci=(0.25, 0.3), cpus=4)])
    result = analyze(tmp_path, tmp_path / "a.csv")
    md = (tmp_path / "scaling.md").read_text()
    assert result.stdout == md
    assert "| threads (cube_omp) | strong | 2 | 1 | 0.5 | 0.45-0.55 | 2.00 | 1.00 | 0.000 |  |" in md
    assert "95% interval: the range that holds the true median" in md
    two = next(p for p in points_of(tmp_path) if p["workers"] == "2")
    assert (float(two["time_ci95_lo_s"]), float(two["time_ci95_hi_s"])) == (0.45, 0.55)
    # The speedups both intervals allow: the baseline's low over the point's high, and the other way round.
    assert float(two["speedup_lo"]) == pytest.approx(0.9 / 0.55, abs=1e-4)
    assert float(two["speedup_hi"]) == pytest.approx(1.1 / 0.45, abs=1e-4)
    # The plot's data: error bars on speedup (columns 6, 7) and efficiency (8, 9); none on the baseline (S = 1).
    data = (tmp_path / "plot" / "0.dat").read_text().splitlines()
    assert data[0].split('" ', 1)[1].split()[4:8] == ["speedup_lo", "speedup_hi", "efficiency_lo", "efficiency_hi"]
    by_workers = {line.split()[0]: line.split() for line in data[1:]}
    assert by_workers["1"][5:9] == ["NaN"] * 4
    assert float(by_workers["2"][5]) == pytest.approx(0.9 / 0.55, rel=1e-5)
    assert float(by_workers["4"][8]) == pytest.approx(1.1 / 0.25 / 4, rel=1e-5)
    panels = (tmp_path / "scaling_panels.gp").read_text()
    assert "using ($1 * 1.00000):2:6:7 with yerrorbars" in panels  # speedup; the efficiency is in the tables
    assert "title 'the 95% interval'" in panels


def test_a_point_of_several_records_spans_their_intervals(tmp_path):
    """Appended runs of one point: the median of their times, the interval from the lowest bound to the highest."""
    write(tmp_path / "a.csv", [point(1.0, 1, ci=(0.9, 1.1)), point(0.5, 2, ci=(0.48, 0.52)),
                               point(0.6, 2, ci=(0.55, 0.7)), point(0.4, 2, ci=(0.3, 0.45))])
    analyze(tmp_path, tmp_path / "a.csv")
    two = next(p for p in points_of(tmp_path) if p["workers"] == "2")
    assert float(two["time_s"]) == 0.5 and two["records"] == "3"
    assert (float(two["time_ci95_lo_s"]), float(two["time_ci95_hi_s"])) == (0.3, 0.7)
    # One record without an interval (fewer than 5 runs): the point has none.
    write(tmp_path / "b.csv", [point(1.0, 1, ci=(0.9, 1.1)), point(0.5, 2, ci=(0.48, 0.52)), point(0.6, 2)])
    analyze(tmp_path, tmp_path / "b.csv")
    two = next(p for p in points_of(tmp_path) if p["workers"] == "2")
    assert two["time_ci95_lo_s"] == "" and two["speedup_lo"] == ""


def test_noise_is_said_in_words_within_a_series_and_between_series(tmp_path):
    """Neighbouring points of a series, and series at the same workers and n, whose intervals overlap are named;
    those whose intervals are apart are not."""
    records = [point(1.0, 1, ci=(0.95, 1.05)), point(0.5, 2, ci=(0.48, 0.56)), point(0.52, 4, ci=(0.5, 0.6)),
               point(1.0, 1, program="cube_mpi", mode="scatter", transport="scatter", ci=(0.97, 1.2)),
               point(0.55, 2, threads=1, program="cube_mpi", mode="scatter", transport="scatter", ci=(0.53, 0.58)),
               point(0.31, 4, threads=1, program="cube_mpi", mode="scatter", transport="scatter", ci=(0.3, 0.33),
                     cpus=4)]
    write(tmp_path / "a.csv", records)
    out = tmp_path / "out"
    result = run([SCRIPTS / "scaling.sh", "--analyze", tmp_path / "a.csv", "--out", out, "--no-plot"], timeout=120)
    assert result.returncode == 0, result.stderr
    noise = noise_section(result.stderr)
    assert noise and noise_section((out / "scaling.md").read_text()) in result.stderr
    lines = [line for line in noise.splitlines() if line.startswith("- ")]
    within = [line for line in lines if "threads (cube_omp), strong n 16:" in line]
    assert len(within) == 1, lines
    assert "2 workers 0.48-0.56 s, 4 workers 0.5-0.6 s: the intervals of 2 and 4 workers overlap, so this run " \
           "cannot tell the two apart (more workers gained nothing this run can show)" in within[0]
    assert "1 worker" not in within[0], "1 and 2 workers are apart"
    assert not any("ranks (cube_mpi scatter), strong n 16:" in line for line in lines), "its points are all apart"
    between = [line for line in lines if line.startswith("- spin, strong n 16,")]
    assert between == [
        "- spin, strong n 16, 1 worker: threads (cube_omp) 0.95-1.05 s and ranks (cube_mpi scatter) 0.97-1.2 s: the "
        "intervals overlap, so this run cannot tell which is faster.",
        "- spin, strong n 16, 2 workers: threads (cube_omp) 0.48-0.56 s and ranks (cube_mpi scatter) 0.53-0.58 s: the "
        "intervals overlap, so this run cannot tell which is faster."], lines
    # Apart everywhere: said once, and no sentence of noise.
    write(tmp_path / "b.csv", [point(1.0, 1, ci=(0.99, 1.01)), point(0.5, 2, ci=(0.49, 0.51))])
    md = analyze(tmp_path / "b", tmp_path / "b.csv").stdout
    assert "none of the intervals compared" in md and not re.search(r"^- ", md, re.M)


def test_series_that_overlap_in_part_are_named_in_groups(tmp_path):
    """A overlaps B, B overlaps C, A and C are apart: two groups, never one."""
    records = [point(1.0, 1, ci=(0.9, 1.1)), point(0.5, 2, ci=(0.40, 0.50)),
               point(1.0, 1, mode="tasks", program="square_cube", ci=(0.95, 1.02)),
               point(0.55, 2, mode="tasks", program="square_cube", ci=(0.45, 0.60)),
               point(1.0, 1, program="cube_mpi", mode="scatter", transport="scatter", ci=(0.7, 0.9)),
               point(0.65, 2, threads=1, program="cube_mpi", mode="scatter", transport="scatter", ci=(0.58, 0.7))]
    write(tmp_path / "a.csv", records)
    md = analyze(tmp_path, tmp_path / "a.csv").stdout
    two = [line for line in md.splitlines() if line.startswith("- spin, strong n 16, 2 workers:")]
    assert len(two) == 1
    assert two[0].endswith("this run cannot tell apart threads (cube_omp) and tasks (square_cube tasks); nor tasks "
                           "(square_cube tasks) and ranks (cube_mpi scatter) (within each of these groups the "
                           "intervals overlap)."), two


# --- 2. oversubscription and the CPU ceiling ------------------------------------------------------------------

def test_cpu_bound_work_past_the_cpus_reads_as_the_ceiling(tmp_path):
    """spin on 2 CPUs: 4 workers no faster than 2 is the ceiling (efficiency 1, counted 2), marked, said in the
    table, left out of the fit; sleep counts every worker, its oversubscribed point marked all the same."""
    records = [point(t, w, work=work, ci=(t * 0.95, t * 1.05)) for work in ("spin", "sleep")
               for w, t in ((1, 1.0), (2, 0.5), (4, 0.5))]
    write(tmp_path / "a.csv", records)
    md = analyze(tmp_path, tmp_path / "a.csv", cores=8).stdout
    spin = {p["workers"]: p for p in points_of(tmp_path) if p["work"] == "spin"}
    sleep = {p["workers"]: p for p in points_of(tmp_path) if p["work"] == "sleep"}
    assert spin["4"]["counted_workers"] == "2" and float(spin["4"]["efficiency"]) == pytest.approx(1.0)
    assert float(spin["4"]["ideal_s"]) == pytest.approx(0.5) and float(spin["4"]["karp_flatt"]) == pytest.approx(0)
    assert spin["4"]["oversubscribed"] == "true" and spin["2"]["oversubscribed"] == "false"
    assert "the ceiling" in spin["4"]["note"] and spin["2"]["note"] == ""
    assert sleep["4"]["counted_workers"] == "4" and float(sleep["4"]["efficiency"]) == pytest.approx(0.5)
    assert "sleep work waits and needs no CPU" in sleep["4"]["note"]
    series = {s["work"]: s for s in table(tmp_path / "scaling_series.csv")}
    assert series["spin"]["fit_max_workers"] == "2", "the fit stops where the CPUs do (not at --cores 8)"
    assert series["spin"]["efficiency_at_max"] == "1.0000" and series["sleep"]["efficiency_at_max"] == "0.5000"
    assert "| 1: 1.00, 2: 2.00, 4!: 2.00 | 1.00 (counts 2 CPUs, not 4 workers: the ceiling) |" in md
    assert "| 1: 1.00, 2: 2.00, 4!: 2.00 | 0.50 |" in md
    assert "W! oversubscribed: more workers than the CPUs they may use (for CPU-bound work the ideal counts only " \
           "the CPUs: a flat speedup there is the ceiling of the machine, not a failure)" in md
    assert "| threads (cube_omp) | strong | 4! | 1 | 0.5 | 0.475-0.525 | 2.00 | 1.00 | 0.000 | oversubscribed: 4 " \
           "workers on 2 CPUs; the ceiling: the ideal and the efficiency count 2 |" in md
    # The plot: the ceiling line of spin (from its data file), the oversubscribed points crossed, the CPUs' line.
    assert (tmp_path / "plot" / "ceiling_spin.dat").read_text().splitlines()[1:] == ["1 1", "2 2", "4 2"]
    assert not (tmp_path / "plot" / "ceiling_sleep.dat").exists()
    panels = (tmp_path / "scaling_panels.gp").read_text()
    assert "'/plot/ceiling_spin.dat' using 1:2 with lines title columnheader(1)" in panels
    assert panels.count("title 'oversubscribed (more workers than CPUs)'") == 2
    assert "set label 1 '2 CPUs'" in panels
    overs = [line.split()[10] for line in (tmp_path / "plot" / "0.dat").read_text().splitlines()[1:]]
    assert overs == ["0", "0", "1"]


def test_older_csvs_analyse_as_before(tmp_path):
    """A record without nodes, CPUs, intervals or phases: every worker counted, the fit up to --cores, no marks."""
    t = {1: 1.0, 2: 0.55, 4: 0.5}
    records = [point(t[w], w) for w in (1, 2, 4)]
    write(tmp_path / "old.csv", records, columns=OLD_COLUMNS)
    md = analyze(tmp_path, tmp_path / "old.csv", cores=2).stdout
    found = {p["workers"]: p for p in points_of(tmp_path)}
    for w in (1, 2, 4):
        speedup = 1.0 / t[w]
        assert float(found[str(w)]["speedup"]) == pytest.approx(speedup, abs=1e-4)
        assert float(found[str(w)]["efficiency"]) == pytest.approx(speedup / w, abs=1e-4)
        assert found[str(w)]["counted_workers"] == str(w) and found[str(w)]["note"] == ""
        assert found[str(w)]["time_ci95_lo_s"] == "" and found[str(w)]["oversubscribed"] == ""
    assert float(found["4"]["karp_flatt"]) == pytest.approx((1 / 2 - 1 / 4) / (1 - 1 / 4), abs=1e-4)
    series = table(tmp_path / "scaling_series.csv")[0]
    f = (1 / (1 / 0.55) - 1 / 2) / (1 - 1 / 2)  # the Amdahl fit through the one point with W <= --cores, W > 1
    assert series["fit_max_workers"] == "2" and float(series["serial_fraction"]) == pytest.approx(f, abs=1e-4)
    assert "!" not in md.split("| series | scaling | size |", 1)[1].split("\n\n", 1)[0]
    assert "95% intervals: none; the records have none" in md and "Which differences" not in md
    assert not list((tmp_path / "plot").glob("ceiling_*.dat"))
    assert "set label 1 '2 cores'" in (tmp_path / "scaling_panels.gp").read_text()


# --- 3. nodes: one study from batch jobs of 1, 2 and 4 nodes ------------------------------------------------------

def ranks(time, workers, nodes, host, job, n=64, ci=None):
    return point(time, workers, threads=1, program="cube_mpi", mode="scatter", transport="scatter", n=n,
                 cpus=32 * nodes, nodes=nodes, host=host, job=job, ci=ci)


def node_jobs(tmp_path):
    """Three jobs' CSVs, landed on different nodes: 1 node (1..32 ranks), 2 nodes (1 rank; 32 and 64 ranks spread
    over both), 4 nodes (128 ranks); and a laptop's sweep."""
    one = write(tmp_path / "mt-ranks-101.csv", [ranks(32.0 / w, w, 1, "node03", "SLURM_JOB_ID=101")
                                                for w in (1, 2, 4, 8, 16, 32)])
    job = "SLURM_JOB_ID=102 SLURM_JOB_NUM_NODES=2"
    two = write(tmp_path / "mt-ranks-102.csv", [ranks(32.0, 1, 1, "node07", job), ranks(1.1, 32, 2, "node07", job),
                                                ranks(0.6, 64, 2, "node07", job)])
    four = write(tmp_path / "mt-ranks-103.csv", [ranks(0.35, 128, 4, "node11", "SLURM_JOB_ID=103")])
    laptop = write(tmp_path / "laptop.csv", [ranks(32.0 / w, w, 1, "laptop", "") for w in (1, 2)])
    return one, two, four, laptop


def test_batch_jobs_of_several_node_counts_read_as_one_study(tmp_path):
    one, two, four, laptop = node_jobs(tmp_path)
    out = tmp_path / "out"
    md = analyze(out, one, two, four, laptop).stdout
    series = table(out / "scaling_series.csv")
    assert sorted(s["series"] for s in series) == ["ranks (cube_mpi scatter) @laptop",
                                                   "ranks (cube_mpi scatter) @node*"]
    cluster = points_of(out, "ranks (cube_mpi scatter) @node*")
    assert [(p["workers"], p["nodes"]) for p in cluster] == [
        ("1", "1"), ("2", "1"), ("4", "1"), ("8", "1"), ("16", "1"), ("32", "1"), ("32", "2"), ("64", "2"),
        ("128", "4")]
    assert next(p for p in cluster if p["workers"] == "1")["records"] == "2", "both jobs' 1-rank runs, one point"
    assert float(cluster[-1]["speedup"]) == pytest.approx(32.0 / 0.35, abs=1e-3)
    assert cluster[-1]["note"] == "across 4 nodes" and cluster[5]["note"] == ""
    assert "32: 32.00, 32+: 29.09, 64+: 53.33, 128+: 91.43" in md
    assert "W+ across nodes: the workers ran on more than one host" in md
    assert "| ranks (cube_mpi scatter) @node* | strong | 64+ | 2 |" in md
    # The plot: squares across nodes, a line where the workers first leave one node, the node's CPUs.
    panels = (out / "scaling_panels.gp").read_text()
    assert "set arrow 2 from 32, graph 0 to 32, graph 1" in panels and "set label 2 'more than one node'" in panels
    assert "title 'square: across nodes'" in panels and "set label 1 '32 CPUs'" in panels
    data = [line.split() for line in (out / "plot" / "1.dat").read_text().splitlines()[1:]]  # after @laptop
    expected = [("32", "7", "1"), ("32", "5", "2"), ("64", "5", "2"), ("128", "5", "4")]
    assert [(d[0], d[9], d[11]) for d in data][5:] == expected
    # --one-machine: the laptop's rows join the cluster's.
    analyze(tmp_path / "one", one, two, four, laptop, options=["--one-machine"])
    assert [s["series"] for s in table(tmp_path / "one" / "scaling_series.csv")] == ["ranks (cube_mpi scatter)"]
    # Outside batch jobs hosts stay apart, digits or not.
    write(tmp_path / "pc1.csv", [ranks(1.0 / w, w, 1, "pc1", "", n=8) for w in (1, 2)])
    write(tmp_path / "pc2.csv", [ranks(1.0 / w, w, 1, "pc2", "", n=8) for w in (1, 2)])
    analyze(tmp_path / "pcs", tmp_path / "pc1.csv", tmp_path / "pc2.csv")
    assert sorted(s["series"] for s in table(tmp_path / "pcs" / "scaling_series.csv")) == [
        "ranks (cube_mpi scatter) @pc1", "ranks (cube_mpi scatter) @pc2"]


def test_the_same_workers_on_one_node_and_on_two_are_compared(tmp_path):
    job = "SLURM_JOB_ID=7"
    write(tmp_path / "a.csv", [ranks(8.0, 1, 1, "n1", job, ci=(7.9, 8.1)), ranks(2.0, 4, 1, "n1", job, ci=(1.9, 2.2)),
                               ranks(2.1, 4, 2, "n2", job, ci=(2.0, 2.3))])
    md = analyze(tmp_path, tmp_path / "a.csv").stdout
    assert "4 workers 1.9-2.2 s, 4 workers on 2 nodes 2-2.3 s: the intervals of 4 workers on 1 and on 2 nodes " \
           "overlap, so this run cannot tell the two apart (spreading the workers over more nodes changed nothing " \
           "this run can show)." in md


def test_analyze_makes_one_table_of_csvs_with_other_columns_and_refuses_a_broken_one(tmp_path):
    """scaling.sh --analyze: a batch job's CSV whose header changed on the way (cube_omp's rows, then
    cube_mpi's with a transport column) and an old laptop CSV become one table; a row with a missing field is one
    line naming the file and line, exit 2, and nothing written."""
    job = tmp_path / "job.csv"
    omp = [point(1.0 / w, w, host="node01", job="SLURM_JOB_ID=5") for w in (1, 2)]
    mpi = [ranks(1.0 / w, w, 1, "node01", "SLURM_JOB_ID=5", n=16) for w in (1, 2)]
    write(job, omp)
    text = write(tmp_path / "mpi.csv", mpi).read_text()
    job.write_text(job.read_text() + text)
    old = write(tmp_path / "old.csv", [point(1.0 / w, w, host="laptop") for w in (1, 2)], columns=OLD_COLUMNS)
    out = tmp_path / "out"
    result = run([SCRIPTS / "scaling.sh", "--analyze", job, old, "--out", out, "--no-plot"], timeout=120)
    assert result.returncode == 0, result.stderr
    lines = (out / "scaling.csv").read_text().splitlines()
    assert sum(line.startswith("program,") for line in lines) == 1
    assert len(rows(out / "scaling.csv")) == 6
    assert {s["series"] for s in table(out / "scaling_series.csv")} == {
        "threads (cube_omp) @node*", "ranks (cube_mpi scatter) @node*", "threads (cube_omp) @laptop"}
    before = (out / "scaling.csv").read_text()
    broken = tmp_path / "broken.csv"
    broken.write_text(job.read_text() + "cube_omp,loop,1\n")
    bad = run([SCRIPTS / "scaling.sh", "--analyze", broken, "--out", out, "--no-plot"], timeout=120)
    assert bad.returncode == 2 and bad.stdout == "", bad.stderr
    assert len(bad.stderr.splitlines()) == 1 and str(broken) in bad.stderr and "line 7" in bad.stderr, bad.stderr
    assert bad.stderr.startswith("scaling.sh: error: --analyze: ")
    assert (out / "scaling.csv").read_text() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".scaling")], "no temporary left behind"


# --- 4. Amdahl in the program itself: --time end_to_end_s ---------------------------------------------------

def test_end_to_end_time_shows_the_serial_part_of_the_program(tmp_path):
    """The timed part scales perfectly; a set-up of 0.25 s (a fifth of one whole run at 1 worker) does not: the
    timed part's fit gives 0, the end-to-end fit gives 0.2, and the tables say which time they used."""
    records = [point(1.0 / w, w, ci=(0.95 / w, 1.05 / w), serial=0.25, cpus=8) for w in (1, 2, 4, 8)]
    write(tmp_path / "a.csv", records)
    timed = analyze(tmp_path / "timed", tmp_path / "a.csv").stdout
    assert timed.startswith("Times: time_s, the median of each point's timed runs")
    assert float(table(tmp_path / "timed" / "scaling_series.csv")[0]["serial_fraction"]) == pytest.approx(0, abs=1e-6)
    whole = analyze(tmp_path / "whole", tmp_path / "a.csv", options=["--time", "end_to_end_s"]).stdout
    assert whole.startswith("Times: end_to_end_s, the whole program as one run: read_s + setup_s + time_s + "
                            "output_s")
    series = table(tmp_path / "whole" / "scaling_series.csv")[0]
    assert series["time"] == "end_to_end_s" and series["fit_max_workers"] == "8"
    assert float(series["serial_fraction"]) == pytest.approx(0.2, abs=1e-4)
    assert float(series["record_serial_fraction"]) == pytest.approx(0.2, abs=1e-4)
    assert "| serial_fraction of the record (1 worker) |" in whole and "| 0.200 (amdahl, W <= 8) | 0.200 |" in whole
    eight = next(p for p in points_of(tmp_path / "whole") if p["workers"] == "8")
    assert float(eight["time_s"]) == pytest.approx(0.25 + 1 / 8)
    assert eight["time_ci95_lo_s"] == "" and "none for end-to-end times" in whole
    assert "Which differences" not in whole
    assert "(end-to-end times)" in (tmp_path / "whole" / "plot" / "titles.dat").read_text()
    # Older rows have no phases: left out, and counted.
    write(tmp_path / "old.csv", [point(1.0 / w, w, host="old") for w in (1, 2)], columns=OLD_COLUMNS)
    mixed = analyze(tmp_path / "mixed", tmp_path / "a.csv", tmp_path / "old.csv",
                    options=["--time", "end_to_end_s"]).stdout
    assert "2 row(s) without read_s, setup_s and output_s" in mixed
    assert [s["series"] for s in table(tmp_path / "mixed" / "scaling_series.csv")] == ["threads (cube_omp)"]


def test_scaling_sh_passes_time_and_one_machine_to_the_analysis(tmp_path):
    records = [point(1.0 / w, w, serial=0.25, cpus=8) for w in (1, 2)]
    write(tmp_path / "a.csv", records)
    out = tmp_path / "out"
    result = run([SCRIPTS / "scaling.sh", "--analyze", tmp_path / "a.csv", "--time", "end_to_end_s", "--one-machine",
                  "--out", out, "--no-plot"], timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Times: end_to_end_s" in (out / "scaling.md").read_text()
    assert table(out / "scaling_points.csv")[0]["host"] == "one machine"


# --- 5. the help ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [[SCRIPTS / "scaling.sh", "--help"], [PYTHON, ANALYZE, "--help"]],
                         ids=["scaling.sh", "scaling_analyze.py"])
def test_help_describes_the_columns_and_options_the_analysis_reads(command):
    result = run(command, timeout=30)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for word in ("time_ci95_lo_s", "time_ci95_hi_s", "cpus_allowed_total", "oversubscribed", "nodes", "end_to_end_s",
                 "read_s", "setup_s", "output_s", "--time", "--one-machine", "95% interval", "ceiling",
                 "overlap", "node01", "imbalance"):
        assert word in text, word


# --- a tiny real sweep: the columns as the programs write them ---------------------------------------------------

def test_a_real_sweep_carries_intervals_and_the_ceiling_into_the_analysis(tmp_path):
    """scaling.sh, spin, threads, 1 to 4 workers, 5 runs a point: each point's interval is its record's, the counted
    workers are min(W, the record's CPUs), the efficiency is the speedup over them, and a point is marked
    oversubscribed exactly when its record says so."""
    need_built("omp/cube_omp")
    result = run([SCRIPTS / "scaling.sh", "--quick", "--work", "spin", "--scaling", "strong", "--series", "threads",
                  "--max-workers", "4", "--repeat", "5", "--no-plot", "--out", tmp_path], timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("(95% interval ") == 3, "each point's progress line shows its interval"
    records = {r["workers"]: r for r in rows(tmp_path / "scaling.csv")}
    found = {p["workers"]: p for p in points_of(tmp_path)}
    assert sorted(found) == sorted(records) == ["1", "2", "4"]
    md = (tmp_path / "scaling.md").read_text()
    one = float(records["1"]["time_s"])
    for w, record in records.items():
        p = found[w]
        assert record["time_ci95_lo_s"] and float(record["time_ci95_lo_s"]) <= float(record["time_s"]) <= \
            float(record["time_ci95_hi_s"])
        assert (float(p["time_ci95_lo_s"]), float(p["time_ci95_hi_s"])) == (
            pytest.approx(float(record["time_ci95_lo_s"])), pytest.approx(float(record["time_ci95_hi_s"])))
        counted = min(int(w), int(record["cpus_allowed_total"]))
        assert p["counted_workers"] == str(counted) and p["nodes"] == record["nodes"] == "1"
        speedup = one / float(record["time_s"])
        assert float(p["speedup"]) == pytest.approx(speedup, rel=1e-3)
        assert float(p["efficiency"]) == pytest.approx(speedup / counted, rel=1e-3)
        assert p["oversubscribed"] == record["oversubscribed"]
        marked = f"| threads (cube_omp) | strong | {w}! |" in md
        assert marked == (record["oversubscribed"] == "true" or counted < int(w)), (w, record["oversubscribed"])
    lo, hi = found["2"]["time_ci95_lo_s"], found["2"]["time_ci95_hi_s"]
    assert f"| {float(lo):.4g}-{float(hi):.4g} |" in md


def test_the_plot_draws_bars_marks_and_nodes(tmp_path):
    """The whole picture through gnuplot: error bars, crosses, squares, the ceiling and the node line."""
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    job = "SLURM_JOB_ID=9"
    write(tmp_path / "a.csv", [ranks(64.0 / w, w, 1 if w <= 32 else 2, "node01", job, ci=(60.0 / w, 70.0 / w))
                               for w in (1, 2, 4, 8, 16, 32, 64)]
          + [point(1.0 / min(w, 2), w, ci=(0.9 / min(w, 2), 1.1 / min(w, 2))) for w in (1, 2, 4)])
    out = tmp_path / "out"
    result = run([SCRIPTS / "scaling.sh", "--analyze", tmp_path / "a.csv", "--out", out], timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out / "scaling.svg").read_text()
    for words in ("the 95% interval", "oversubscribed (more workers than CPUs)", "square: across nodes",
                  "more than one node", "the CPU ceiling"):
        assert words in svg, words
    assert "node" not in (out / "scaling_panels.gp").read_text().replace("more than one node", "").replace(
        "across nodes", ""), "host names stay in the data files"
    assert math.isfinite(float(table(out / "scaling_series.csv")[0]["speedup_at_max"]))


# --- 5. the ranks side by side, and no fit through noise ---------------------------------------------------------

def test_the_ranks_imbalance_reaches_the_points(tmp_path):
    """cube_mpi's imbalance (the slowest rank's compute over the mean) is in each point's note and column."""
    records = [ranks(t, w, 1, "h1", "", ci=(t * 0.99, t * 1.01)) for w, t in ((1, 0.4), (2, 0.2), (3, 0.2))]
    for r, imbalance in zip(records, (1.0, 1.0, 1.5)):
        r["imbalance"] = imbalance
    write(tmp_path / "a.csv", records, columns=COLUMNS + ["transport", "imbalance"])
    md = analyze(tmp_path, tmp_path / "a.csv").stdout
    found = {p["workers"]: p for p in points_of(tmp_path)}
    assert float(found["3"]["imbalance"]) == pytest.approx(1.5) and float(found["2"]["imbalance"]) == 1.0
    assert "imbalance 1.50 (the slowest rank's compute over the mean)" in found["3"]["note"]
    assert "imbalance 1.50" in md


def test_no_fit_through_points_the_noise_cannot_tell_apart(tmp_path):
    """Two series: one whose fitted points' intervals are apart gets its Amdahl fit; one whose intervals overlap
    gets none, and the table says why (no number to misread)."""
    apart = [point(t, w, ci=(t * 0.98, t * 1.02)) for w, t in ((1, 1.0), (2, 0.55))]
    overlapping = [point(t, w, n=32, ci=(t * 0.8, t * 1.2)) for w, t in ((1, 1.0), (2, 0.9))]
    write(tmp_path / "a.csv", apart + overlapping)
    md = analyze(tmp_path, tmp_path / "a.csv").stdout
    series = {s["size"]: s for s in table(tmp_path / "scaling_series.csv")}
    assert float(series["n 16"]["serial_fraction"]) == pytest.approx((1 / (1 / 0.55) - 1 / 2) / (1 - 1 / 2), abs=1e-4)
    assert series["n 32"]["serial_fraction"] == ""
    assert "no fit: the 95% intervals of 1 and 2 workers overlap" in md


# --- 6. a plot that answers one question a panel ----------------------------------------------------------------

def panel_ranges(panels):
    """Each panel's (x range, y range) as numbers, in order."""
    xs = [tuple(map(float, m)) for m in re.findall(r"set xrange \[([\d.e+-]+):([\d.e+-]+)\]", panels)]
    ys = [tuple(map(float, m)) for m in re.findall(r"set yrange \[([\d.e+-]+):([\d.e+-]+)\]", panels)]
    return list(zip(xs, ys))


def test_one_question_a_panel_at_most_four_series_axes_fitted_and_bars_inside(tmp_path):
    """Five families of sleep work, strong and weak, with wide intervals: each panel holds one kind of work and one
    scaling, at most 4 series; its axes fit its points (no axis to 256 for speedups below 8) and hold every error
    bar."""
    records = []
    families = (("cube_omp", "loop", None, None), ("square_cube", "tasks", None, None),
                ("cube_mpi", "scatter", "scatter", 1), ("cube_mpi", "shared", "shared", 1),
                ("cube_mpi", "scatter", "scatter", 2))
    for program, mode, transport, threads in families:
        for w in (1, 2, 4):
            for n, t in ((16, 1.0 / w), (3 * w, 1.0)):  # strong: n 16, faster; weak: 3 items a worker, as long
                records.append(point(t, w, threads=min(threads or w, w), program=program, mode=mode, n=n,
                                     work="sleep", ci=(t * 0.7, t * 1.4), transport=transport))
    write(tmp_path / "a.csv", records)
    analyze(tmp_path, tmp_path / "a.csv", cores=8)
    panels = (tmp_path / "scaling_panels.gp").read_text()
    titles = (tmp_path / "plot" / "titles.dat").read_text().splitlines()
    plots = panels.split("\nplot ")[1:]
    assert len(plots) == len(titles) >= 4  # strong and weak, each over two panels (5 families > 4)
    for text in plots:
        assert text.split("unset arrow")[0].count("title columnheader(1)") <= 4
    assert all(re.search(r"sleep work, (strong|weak) scaling( \(\d of \d\))?: ", t) for t in titles), titles
    for text, ((left, right), (bottom, top)) in zip(plots, panel_ranges(panels)):
        assert left < 1 and 4 < right < 8, (left, right)
        assert top < 16, "fitted to speedups below 8, not to a power of two above them"
        # every point and every end of its error bar inside the frame
        for name in set(re.findall(r"/plot/(\d+\.dat)", text)):
            for line in (tmp_path / "plot" / name).read_text().splitlines()[1:]:
                fields = line.split()
                for value in [fields[1]] + fields[5:7]:
                    if value != "NaN":
                        assert bottom <= float(value) <= top, (name, value, bottom, top)
