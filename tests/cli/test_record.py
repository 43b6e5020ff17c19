# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""What a record says a run cost and where it came from, as a student reads it: CPU seconds against the work
(waiting or computing), peak memory, the machine's other work, provenance (schema, suite, commit, the command with
its passwords masked, every timed run). CPU time is judged as ratios to the work or to the wall time of the same
run, never as absolute times; a machine that other work keeps busy is told apart, not failed."""
import os
import re
import statistics
import subprocess

import pytest

from cases import csv_record_of, record
from conftest import PYTHON, run

TIMEOUT = 120


def json_run(program, *args, env=None):
    result = run(program, "--json", *args, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return record(result.stdout)


# --- CPU time: computing against waiting ----------------------------------------------------------------------

def test_two_spinning_threads_compute_on_two_cpus():
    data = json_run("cube_omp", "-t", "2", "--work", "spin", "--delay", "0.1", "-r", "3", "1", "2", "3", "4")
    work_s = 4 * 0.1 * 3  # spin work burns its delay in CPU time: 4 items, 3 timed runs
    assert 0.9 <= data["cpu_s"] / work_s <= 1.5, data
    assert data["cpu_s"] == pytest.approx(data["cpu_user_s"] + data["cpu_sys_s"])
    # Two threads computing at once: about 2 CPUs busy, unless other work took the CPUs, and the record says so:
    # the CPUs wanted (busy, and queued for: cpu_queue_s over the same wall time) make about 2.
    wall = data["cpu_s"] / data["cpus_busy"]
    wanted = data["cpus_busy"] + data["cpu_queue_s"] / wall
    assert data["cpus_busy"] > 1.5 or wanted > 1.5, data
    assert wanted < 2.5, data


def test_eight_sleeping_tasks_keep_no_cpu_busy():
    data = json_run("square_cube", "--mode", "tasks", "-t", "8", "-r", "3")
    assert data["cpus_busy"] < 0.3, data
    assert data["cpu_s"] / (3 * data["time_s"]) < 0.3, data


def test_the_summary_says_waiting_or_computing_in_words():
    waiting = run("square_cube", "--mode", "tasks", "-t", "8", timeout=TIMEOUT)
    assert waiting.returncode == 0 and "waiting (concurrency)" in waiting.stderr, waiting.stderr
    computing = run("cube_omp", "-t", "1", "--work", "spin", "--delay", "0.05", "1", "2", timeout=TIMEOUT)
    assert computing.returncode == 0 and "computing on one CPU" in computing.stderr, computing.stderr
    # four spinning threads on the CPUs of this machine and more: computing, and held back by their own number
    many = run("square_cube", "--mode", "tasks", "-t", 2 * (os.cpu_count() or 1), "--work", "spin", "--delay", "0.05",
               timeout=TIMEOUT)
    assert many.returncode == 0 and "computing" in many.stderr and "held back" in many.stderr, many.stderr


def test_the_summary_fits_80_columns():
    result = run("square_cube", "--mode", "tasks", "-t", "8", "-r", "5", timeout=TIMEOUT)
    assert result.returncode == 0
    assert all(len(line) <= 80 for line in result.stderr.splitlines()), result.stderr


# --- memory ------------------------------------------------------------------------------------------------------

def test_peak_memory_grows_with_the_list():
    small = json_run("cube_omp", "--work", "none", "--generate", "100000")
    large = json_run("cube_omp", "--work", "none", "--generate", "4000000")
    # 4 million items hold their values and their cubes: 16 bytes an item, 61 MiB (a quarter of it is enough to
    # show the growth on a machine short of memory, whose pages may leave before the peak)
    assert large["max_rss_mib"] - small["max_rss_mib"] > 0.25 * 4000000 * 16 / 2**20, (small, large)


# --- the machine's other work --------------------------------------------------------------------------------------

def test_other_work_on_the_machine_is_seen():
    spinners = [subprocess.Popen([PYTHON, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        data = json_run("square_cube", "--delay", "0.1")
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait(timeout=30)
    if data["machine_busy"] is None:
        pytest.skip("this system has no /proc/stat")
    assert data["machine_busy"] >= 0.5, data
    assert data["machine_busy"] <= (os.cpu_count() or 1) + 0.5, data


# --- provenance ----------------------------------------------------------------------------------------------------

def test_provenance_and_every_timed_run():
    args = ["--mode", "seq", "--delay", "0.001", "-r", "5", "--", "-3", "4"]
    data = json_run("square_cube", *args)
    assert data["schema_version"] == 1
    assert data["suite_version"] and data["commit"]
    assert data["command"][1:] == ["--json", *args]
    assert data["command"][0].endswith("square_cube")
    assert len(data["times_s"]) == 5
    assert statistics.median(data["times_s"]) == pytest.approx(data["time_s"])
    assert min(data["times_s"]) == pytest.approx(data["time_min_s"])


def test_csv_carries_the_scalar_costs_and_provenance():
    args = ("-t", "2", "--delay", "0.001")
    as_json = json_run("cube_omp", *args)
    as_csv = run("cube_omp", *args, "--csv", timeout=TIMEOUT)
    row = csv_record_of(as_csv.stdout, as_json)
    for column in ("cpu_s", "cpu_user_s", "cpu_sys_s", "cpus_busy", "max_rss_mib", "machine_busy", "schema_version",
                   "suite_version", "commit"):
        assert column in row
    assert "times_s" not in row and "command" not in row  # lists: JSON only


def test_the_commit_is_a_git_description_or_unknown():
    data = json_run("cube_omp", "--delay", "0.001")
    assert re.fullmatch(r"unknown|([\w.+-]+-g)?[0-9a-f]{7,40}(-dirty)?", data["commit"]), data["commit"]
