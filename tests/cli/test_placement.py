# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Where each worker really ran, in every record: placement (one entry per worker, its CPU and its allowed CPUs),
oversubscribed and the warning exactly when CPU-bound workers share CPUs (taskset), quiet for a fair run and for
work that waits; each timeline lane named with its CPU; and the median's 95% interval from 5 runs up.
cube_mpi's cases under mpirun are in test_placement_mpi.py."""
import json
import os
import shutil
import subprocess

import pytest

from cases import record
from conftest import image_server, program_env, program_path, run

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60
CPUS = len(os.sched_getaffinity(0))
SPIN = ("--work", "spin", "--delay", "0.002")


def warnings(stderr):
    return [line for line in stderr.splitlines() if ": warning:" in line and "too short" not in line]


def pinned(cpu, name, *args):
    if shutil.which("taskset") is None:
        pytest.skip("taskset is not installed (util-linux)")
    result = subprocess.run(["taskset", "-c", str(cpu), program_path(name), *map(str, args)], capture_output=True,
                            text=True, env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("name, args", [("cube_omp", ()), ("square_cube", ("--mode", "tasks"))])
def test_two_threads_on_one_cpu_are_recorded_and_warned(name, args):
    result = pinned(0, name, "--json", "-t", "2", *SPIN, *args)
    data = record(result.stdout)
    places = data["placement"]
    assert [(p["rank"], p["thread"]) for p in places] == [(0, 0), (0, 1)]
    assert all(p["cpu"] == 0 and p["cpus_allowed"] == [0] and p["host"] == data["host"] for p in places), places
    assert data["oversubscribed"] is True and data["cpus_allowed_total"] == 1
    said = warnings(result.stderr)
    assert len(said) == 1 and "2 threads share CPU 0" in said[0] and "taskset" in said[0], result.stderr


def test_waiting_work_on_one_cpu_is_recorded_without_a_warning():
    result = pinned(0, "cube_omp", "--json", "-t", "4", "--delay", "0.002")
    data = record(result.stdout)
    assert data["oversubscribed"] is True and len(data["placement"]) == 4
    assert warnings(result.stderr) == []


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_a_fair_two_thread_run_stays_quiet():
    result = run("cube_omp", "--json", "-t", "2", *SPIN, timeout=TIMEOUT)
    data = record(result.stdout)
    assert data["oversubscribed"] is False
    assert len(data["placement"]) == 2 and all(len(p["cpus_allowed"]) >= 2 for p in data["placement"])
    assert warnings(result.stderr) == []


def test_text_verbose_prints_the_map():
    result = pinned(0, "cube_omp", "-v", "-t", "2", "--delay", "0.002")
    lines = [line for line in result.stderr.splitlines() if "placement:" in line]
    assert len(lines) == 2 and all("cpu 0 (allowed 0)" in line for line in lines), result.stderr


def test_lanes_carry_their_cpu(tmp_path):
    trace = tmp_path / "t.json"
    result = pinned(0, "cube_omp", "--timeline", trace, "--gantt", "-t", "2", *SPIN)
    names = [e["args"]["name"] for e in json.loads(trace.read_text())["traceEvents"]
             if e.get("name") == "thread_name"]
    assert sorted(names) == ["thread 0 (cpu 0)", "thread 1 (cpu 0)"]
    assert "t0 cpu 0" in result.stderr and "t1 cpu 0" in result.stderr
    assert any(line.startswith("note: the lanes shared CPUs") for line in result.stderr.splitlines())


def test_the_interval_holds_the_median_from_five_runs():
    few = record(run("cube_omp", "--json", "-r", "4", "--delay", "0.001").stdout)
    assert "time_ci95_s" not in few and few["time_ci95_lo_s"] is None
    data = record(run("cube_omp", "--json", "-r", "5", "--delay", "0.001").stdout)
    low, high = data["time_ci95_s"]
    assert (low, high) == (data["time_ci95_lo_s"], data["time_ci95_hi_s"])
    assert low <= data["time_s"] <= high
    assert (low, high) == (data["time_min_s"], data["time_max_s"])  # 5 runs: the order statistics 1 and 5
    text = run("cube_omp", "-r", "5", "--delay", "0.001")
    assert "95% interval" in text.stderr


def test_downloads_on_more_threads_than_cpus_are_recorded_without_a_warning(tmp_path):
    """Activity 3's lesson: transfers wait, so eight of them on one CPU is the point, not a problem."""
    with image_server() as server:
        urls = [server.url(f"/images/placement-{k}.jpg") for k in range(8)]
        if shutil.which("taskset") is None:
            pytest.skip("taskset is not installed (util-linux)")
        result = subprocess.run(["taskset", "-c", "0", program_path("download"), "--json", "-j", "8", "-o",
                                 tmp_path, *urls], capture_output=True, text=True, env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    data = record(result.stdout)
    assert data["oversubscribed"] is True and data["cpus_allowed_total"] == 1
    assert len(data["placement"]) == data["threads"] == 8
    assert warnings(result.stderr) == []


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_each_event_records_the_cpu_it_ran_on(tmp_path):
    trace = tmp_path / "t.csv"
    pinned(1, "cube_omp", "--timeline", trace, "-t", "1", "--delay", "0.001", "--generate", "6")
    lines = trace.read_text().splitlines()
    cpu = lines[0].split(",").index("cpu")
    assert len(lines) == 7 and {line.split(",")[cpu] for line in lines[1:]} == {"1"}, lines
    json_trace = tmp_path / "t.json"
    pinned(1, "cube_omp", "--timeline", json_trace, "-t", "1", "--delay", "0.001")
    names = [e["args"]["name"] for e in json.loads(json_trace.read_text())["traceEvents"]
             if e.get("name") == "thread_name"]
    assert names == ["thread 0 (cpu 1)"]


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_more_spinning_threads_than_cpus_say_so_without_blaming_a_mask():
    result = run("cube_omp", "-q", "-t", str(2 * CPUS), *SPIN, timeout=TIMEOUT)
    said = warnings(result.stderr)
    assert len(said) == 1 and "take turns" in said[0] and "taskset" not in said[0], result.stderr


def test_the_chart_notes_shared_cpus_only_for_work_that_computes():
    waiting = pinned(0, "square_cube", "--mode", "tasks", "-t", "4", "--gantt", "--delay", "0.002")
    assert not any(line.startswith("note:") for line in waiting.stderr.splitlines()), waiting.stderr
    busy = pinned(0, "square_cube", "--mode", "tasks", "-t", "4", "--gantt", *SPIN)
    assert any(line.startswith("note: the lanes shared CPUs") for line in busy.stderr.splitlines()), busy.stderr
