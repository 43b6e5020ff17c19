# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The scripts as a user runs them: syntax, --help, bad options and bad values (refused before any work),
record.py (the one reader of the programs' records), data that never becomes code, the MPI launcher's
session folders, the package installs, the scaling sweep's plan (--dry-run), its warnings, a tiny real
sweep, the analysis's arithmetic, the benchmarks' reports and the demo. (shellcheck: the lint label.)"""
import csv
import json
import math
import os
import re
import subprocess

import pytest
from conftest import (BUILD_DIR, FAKE_SLURM, NPROC, SCRIPTS, SOURCE_DIR, launcher_is_open_mpi, need_built,
                      need_command, rows, run, script_env)

HEADER = ("program,mode,transport,threads,ranks,workers,n,work,delay_s,warmup,repeat,time_s,time_min_s,"
          "time_max_s,ideal_s,ratio,items_per_s,valid,host,compiler,openmp,mpi_library,libcurl,omp_env,job_env,date")
RECORD = SCRIPTS / "record.py"
PNG = b"\x89PNG\r\n\x1a\n"


def shell_scripts():
    found = sorted(p for p in SCRIPTS.rglob("*") if p.is_file() and (
        p.suffix in (".sh", ".sbatch", ".pbs") or p.read_bytes().startswith(b"#!/usr/bin/env bash")))
    found += sorted(p for p in (SOURCE_DIR / "tests" / "multihost").glob("*.sh"))
    found += sorted(p for p in FAKE_SLURM.iterdir() if p.is_file())
    bench = SOURCE_DIR / "bench"
    found += sorted(bench.glob("*.sh"))
    return found


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(SOURCE_DIR)))
def test_script_parses_with_bash_n(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


# Each script that a user runs (its path in the tree, which is also its name in its messages for bench/,
# and its file name for scripts/), and one of its options that takes a value.
USER_SCRIPTS = [("scripts/scaling.sh", "--out"), ("bench/peers.sh", "--repeat"), ("scripts/demo.sh", "--delay"),
                ("scripts/test.sh", "--mpi"), ("scripts/pictures.sh", "--out"), ("scripts/timeline-plot.sh", "--title"),
                ("bench/run.sh", "--repeat"), ("bench/download_bench.sh", "--count")]


def script_name(path):
    return path.split("/", 1)[1] if path.startswith("scripts/") else path


@pytest.mark.parametrize("script,option", USER_SCRIPTS)
def test_help_exits_0_and_bad_options_exit_2_with_one_line(script, option):
    """--help prints the usage; an unknown option, or an option without its value, is one line on stderr
    (SCRIPT: error: ...) and exit 2, before anything is built or run."""
    result = run([SOURCE_DIR / script, "--help"], timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("Usage:"), result.stderr
    bad = run([SOURCE_DIR / script, "--no-such-option"], timeout=30)
    assert bad.returncode == 2 and bad.stdout == "", bad.stderr
    expected = f"{script_name(script)}: error: unknown option '--no-such-option' (see {script} --help)"
    assert bad.stderr.splitlines() == [expected]
    missing = run([SOURCE_DIR / script, option], timeout=30)
    assert missing.returncode == 2 and missing.stdout == "", missing.stderr
    lines = missing.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{script_name(script)}: error: {option} needs "), missing.stderr


# --- every value checked before any work -------------------------------------------------------------

# The commands a script runs once it works: checking what is installed (pkg-config, which fails here, so
# that the dependency check goes on to apt-get), installing, building, launching, plotting, fetching. In
# the tests below each is a stand-in that writes its name to a log, so any call before the checks shows.
WORK_COMMANDS = ("pkg-config", "apt-get", "cmake", "ctest", "make", "gnuplot", "mpiexec", "mpirun", "curl", "aria2c")


@pytest.fixture
def fake_work(tmp_path):
    """PATH with stand-ins for WORK_COMMANDS first, BUILD_DIR a folder that does not exist yet, and the log."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for name in WORK_COMMANDS:
        status = 1 if name == "pkg-config" else 0
        (bin_dir / name).write_text(f'#!/bin/sh\necho "{name} $*" >>"{log}"\nexit {status}\n')
        (bin_dir / name).chmod(0o755)
    build = tmp_path / "build-never"
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "BUILD_DIR": str(build)}, log, build


def timeline_file(tmp_path):
    """A small real timeline (square_cube --timeline), for the plot script's checks."""
    need_built("omp/square_cube")
    path = tmp_path / "run.json"
    result = subprocess.run([str(BUILD_DIR / "omp/square_cube"), "-d", "0.001", "-q", "--timeline", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return path


# (script, arguments, a word the one error line must hold). {tl}: a real timeline.
BAD_VALUES = [
    ("scripts/demo.sh", ["--delay", "abc"], "--delay"), ("scripts/demo.sh", ["--delay", "-1"], "'-1'"),
    ("scripts/demo.sh", ["--mpi", "foo"], "'foo'"), ("scripts/demo.sh", ["--out", "/proc/demo"], "--out"),
    ("scripts/test.sh", ["--mpi", "foo"], "'foo'"), ("scripts/test.sh", ["--compiler", "icc"], "'icc'"),
    ("scripts/test.sh", ["--without", "gpu"], "'gpu'"), ("scripts/test.sh", ["--sanitize", "memory"], "'memory'"),
    ("scripts/test.sh", ["-j", "0"], "-j"), ("scripts/test.sh", ["-j", "two"], "'two'"),
    ("bench/peers.sh", ["--repeat", "0"], "--repeat"), ("bench/peers.sh", ["--items", "abc"], "--items"),
    ("bench/peers.sh", ["--jobs", "-1"], "--jobs"), ("bench/peers.sh", ["--out", "/proc/peers.md"], "--out"),
    ("bench/run.sh", ["--repeat", "4"], "at least 5"), ("bench/run.sh", ["--repeat", "x"], "--repeat"),
    ("bench/run.sh", ["--out", "/proc/results.md"], "--out"),
    ("bench/download_bench.sh", ["--count", "abc"], "--count"), ("bench/download_bench.sh", ["--runs", "0"], "--runs"),
    ("bench/download_bench.sh", ["--latency", "soon"], "--latency"),
    ("bench/download_bench.sh", ["--size", "0"], "--size"), ("bench/download_bench.sh", ["--bandwidth", "-5"], "-5"),
    ("bench/download_bench.sh", ["--jobs", "1 x"], "'x'"), ("bench/download_bench.sh", ["--jobs", " "], "empty"),
    ("bench/download_bench.sh", ["--output", "/proc/bench.md"], "--output"),
    ("scripts/scaling.sh", ["--max-workers", "0"], "'0'"), ("scripts/scaling.sh", ["--repeat", "abc"], "--repeat"),
    ("scripts/scaling.sh", ["--threads-per-rank", "0"], "--threads-per-rank"),
    ("scripts/scaling.sh", ["--work", "disk"], "'disk'"), ("scripts/scaling.sh", ["--work", ","], "--work"),
    ("scripts/scaling.sh", ["--work", "*"], "'*'"), ("scripts/scaling.sh", ["--scaling", "medium"], "'medium'"),
    ("scripts/scaling.sh", ["--series", "gpus"], "'gpus'"), ("scripts/scaling.sh", ["--out", "/proc/sweep"], "--out"),
    ("scripts/scaling.sh", ["--analyze", "/nonexistent/a.csv"], "/nonexistent/a.csv"),
    ("scripts/scaling.sh", ["--time", "wall"], "'wall'"), ("scripts/scaling.sh", ["--time"], "--time"),
    ("scripts/pictures.sh", ["--out", "/proc/pictures"], "--out"),
    ("scripts/timeline-plot.sh", ["{tl}", "-o", "{tmp}/t.png", "--ideal", "abc"], "--ideal"),
    ("scripts/timeline-plot.sh", ["{tl}", "-o", "{tmp}/t.png", "--ideal", "0"], "--ideal"),
    ("scripts/timeline-plot.sh", ["{tl}", "-o", "/proc/t.png"], "/proc"),
    ("scripts/timeline-plot.sh", ["{tl}", "-o", "{tl}/t.png"], "not a folder"),
    ("scripts/timeline-plot.sh", ["{tl}", "-o", "{tmp}/t.jpg"], ".png or .svg"),
    ("scripts/timeline-plot.sh", ["{tl}"], "-o OUT.png"),
    ("scripts/timeline-plot.sh", ["{tmp}/missing.json", "-o", "{tmp}/t.png"], "cannot read"),
]


BAD_VALUE_IDS = [f"{s.split('/')[-1]} {' '.join(a)}" for s, a, _ in BAD_VALUES]


@pytest.mark.parametrize("script,args,word", BAD_VALUES, ids=BAD_VALUE_IDS)
def test_bad_values_exit_2_before_anything_is_installed_built_or_run(script, args, word, fake_work, tmp_path):
    env, log, build = fake_work
    timeline = str(timeline_file(tmp_path)) if "{tl}" in " ".join(args) else ""
    args = [a.replace("{tl}", timeline).replace("{tmp}", str(tmp_path)) for a in args]
    result = run([SOURCE_DIR / script, *args], env=env, timeout=60)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert len(lines) == 1 and lines[0].startswith(f"{script_name(script)}: error: ") and word in lines[0], lines
    assert not log.exists(), f"ran before it checked its options: {log.read_text()}"
    assert not build.exists(), "built before it checked its options"
    assert not (tmp_path / "t.png").exists()


# The Python tools under scripts/ and bench/: a bad value is one line and exit 2, before anything starts.
PYTHON_BAD_VALUES = [
    ("scripts/image_server.py", ["--latency", "-1"]), ("scripts/image_server.py", ["--port", "70000"]),
    ("scripts/image_server.py", ["--bandwidth", "-1"]), ("scripts/image_server.py", ["--image-size", "1"]),
    ("scripts/scaling_analyze.py", ["--cores", "0", "a.csv"]), ("scripts/scaling_analyze.py", []),
    ("scripts/scaling_analyze.py", ["--time", "wall", "a.csv"]),
    ("bench/peers_activities.py", ["loop", "--repeat", "0"]), ("bench/peers_activities.py", ["nope"]),
    ("bench/peers_activities.py", ["starmap", "--processes", "0"]), ("bench/starmap.py", ["f", "--repeat", "0"]),
    ("bench/original_threads.py", ["http://127.0.0.1:9", "0"]), ("scripts/record.py", ["ratio", "1"]),
]


PYTHON_BAD_VALUE_IDS = [f"{t.split('/')[-1]} {' '.join(a)}" for t, a in PYTHON_BAD_VALUES]


@pytest.mark.parametrize("tool,args", PYTHON_BAD_VALUES, ids=PYTHON_BAD_VALUE_IDS)
def test_python_tools_refuse_bad_values_in_one_line(tool, args):
    result = subprocess.run(["/usr/bin/python3", str(SOURCE_DIR / tool), *args], capture_output=True, text=True,
                            timeout=30)
    name = tool.split("/")[-1]
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(f"{name}: error: "), result.stderr


# --- record.py: the one reader of the programs' records ----------------------------------------------

def record(*args, cwd=None):
    return subprocess.run(["/usr/bin/python3", str(RECORD), *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def test_record_reads_a_programs_json_and_csv_alike(tmp_path):
    need_built("omp/square_cube")
    program = str(BUILD_DIR / "omp/square_cube")
    for kind in ("json", "csv"):
        out = subprocess.run([program, "-d", "0.001", "--mode", "sections", "-t", "2", f"--{kind}"],
                             capture_output=True, text=True, timeout=60).stdout
        (tmp_path / f"r.{kind}").write_text(out)
    expected = json.loads((tmp_path / "r.json").read_text())
    for kind in ("json", "csv"):
        result = record("field", tmp_path / f"r.{kind}", "program", "mode", "threads", "valid", "mpi_library")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["square_cube", "sections", "2", "true", ""]
        time_s = float(record("field", tmp_path / f"r.{kind}", "time_s").stdout)
        assert time_s > 0
        if kind == "json":
            assert time_s == expected["time_s"]
    formatted = record("field", tmp_path / "r.json", "time_s", "ideal_s", "--format", "%.4f")
    assert formatted.stdout.splitlines() == [f"{expected['time_s']:.4f}", f"{expected['ideal_s']:.4f}"]


def test_record_field_reaches_into_objects_and_refuses_what_is_not_there(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"time_s": 0.5, "phases": {"scatter_s": 1e-06}, "ideal_s": None, "ok": False,
                                "name": "x y"}) + "\n")
    result = record("field", path, "phases.scatter_s", "ideal_s", "ok", "name", "phases")
    assert result.stdout.splitlines() == ["1e-06", "", "false", "x y", '{"scatter_s":1e-06}']
    missing = record("field", path, "time_s", "nope")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.splitlines() == [f"record.py: error: '{path}' has no field 'nope'"]
    assert record("field", path, "nope", "--default", "-").stdout == "-\n"
    assert record("field", path, "name", "--format", "%.2f").returncode == 2
    for text, why in (("", "empty"), ("{oops", "not one JSON object"), ("program,time_s\n", "no record"),
                      ("program,time_s\na,1,2\n", "fields under a header")):
        path.write_text(text)
        bad = record("field", path, "time_s")
        assert bad.returncode == 2 and why in bad.stderr and len(bad.stderr.splitlines()) == 1, bad.stderr
    assert "cannot read" in record("field", tmp_path / "none.csv", "x").stderr


def test_record_reads_the_rows_under_the_last_header(tmp_path):
    """A sweep whose columns changed holds two headers: each row is read under the header above it."""
    path = tmp_path / "sweep.csv"
    path.write_text("program,time_s\ncube_omp,1.5\n\nprogram,mode,time_s\ncube_mpi,scatter,0.25\n")
    assert record("field", path, "mode", "time_s").stdout.splitlines() == ["scatter", "0.25"]
    table = record("table", path, "--columns", "program,mode,time_s")
    assert table.stdout.splitlines() == ["program   mode     time_s", "cube_omp           1.5",
                                         "cube_mpi  scatter  0.25"]


def test_record_ratio_and_goal():
    assert record("ratio", "1", "3").stdout == "0.333\n"
    assert record("ratio", "0.8016", "0.8", "--digits", "2").stdout == "1.00\n"
    assert record("ratio", "2.5e-9", "1e-9", "--digits", "1").stdout == "2.5\n"
    for a, b in (("1", "0"), ("x", "1"), ("1", "")):
        bad = record("ratio", a, b)
        assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1
    assert record("goal", "1.01", "--at-most", "1.02").stdout == "yes\n"
    assert record("goal", "1.03", "--at-most", "1.02").stdout == "no\n"
    assert record("goal", "100", "--at-least", "100").stdout == "yes\n"
    assert record("goal", "abc", "--at-least", "1").returncode == 2
    assert record("goal", "1").returncode == 2  # no goal given


def test_record_table_as_text_and_markdown_with_goals(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.csv"
    a.write_text(json.dumps({"program": "square_cube", "threads": 8, "time_s": 0.10031, "ratio": 1.0031}))
    b.write_text("program,threads,time_s,ratio\ncube_omp,2,0.21,1.05\ncube|mpi,4,0.1,\n")
    result = record("table", a, b, "--columns", "program,threads,time_s,ratio", "--markdown", "--format", "%.3f",
                    "--goal", "ratio<=1.02")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "| program | threads | time_s | ratio | ratio <= 1.02 |", "|---|---|---|---|---|",
        "| square_cube | 8 | 0.100 | 1.003 | yes |", "| cube_omp | 2 | 0.210 | 1.050 | **no** |",
        "| cube\\|mpi | 4 | 0.100 |  |  |"]
    # the verdict agrees with the number printed beside it: 1.02004 shown as 1.0200 meets <= 1.02
    c = tmp_path / "c.json"
    c.write_text(json.dumps({"program": "cube_omp", "ratio": 1.02004}))
    shown = record("table", c, "--columns", "ratio", "--format", "%.4f", "--goal", "ratio<=1.02")
    assert shown.stdout.splitlines()[1].split() == ["1.0200", "yes"]
    unshown = record("table", c, "--columns", "program", "--goal", "ratio<=1.02")
    assert unshown.stdout.splitlines()[1].split() == ["cube_omp", "no"]
    text = record("table", a, "--goal", "ratio >= 1.1")
    assert text.stdout.splitlines()[1].split()[-1] == "no"
    assert record("table", a, "--goal", "ratio<1").returncode == 2
    assert record("table", a, "--columns", ",").returncode == 2


def test_record_append_keeps_a_sweep_one_table_as_columns_are_added(tmp_path):
    sweep, row = tmp_path / "sweep.csv", tmp_path / "row.csv"
    row.write_text("program,time_s\ncube_omp,1.5\n")
    assert record("append", row, sweep).returncode == 0
    assert record("append", row, sweep).returncode == 0
    assert sweep.read_text() == "program,time_s\ncube_omp,1.5\ncube_omp,1.5\n"
    # a program with a column of its own: one header still, the new column after the others, empty before
    row.write_text('program,time_s,mode\ncube_mpi,0.25,"a,b"\n')
    assert record("append", row, sweep).returncode == 0
    assert sweep.read_text().splitlines() == ["program,time_s,mode", "cube_omp,1.5,", "cube_omp,1.5,",
                                              'cube_mpi,0.25,"a,b"']
    row.write_text("program,time_s\ncube_omp,2\n")
    assert record("append", row, sweep).returncode == 0
    with open(sweep, newline="") as f:
        assert list(csv.reader(f))[-1] == ["cube_omp", "2", ""]
    before = sweep.read_text()
    for text in ("", "program,time_s\n", '{"program": "x"}'):
        row.write_text(text)
        bad = record("append", row, sweep)
        assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
    assert sweep.read_text() == before, "a failed append leaves the sweep as it was"


def test_record_reads_a_field_longer_than_the_csv_modules_default_limit(tmp_path):
    """A program writes a field over 128 KiB itself: its environment (omp_env) when the variables are long."""
    need_built("omp/square_cube")
    long = "a" * 100000  # each variable below the kernel's 128 KiB a string; together past csv's default
    env = {**os.environ, "KMP_MT_LONG_A": long, "GOMP_MT_LONG_B": long}
    out = subprocess.run([str(BUILD_DIR / "omp/square_cube"), "-d", "0", "--csv"], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "long.csv"
    path.write_text(out.stdout)
    result = record("field", path, "program", "omp_env")
    assert result.returncode == 0, result.stderr
    program, omp_env = result.stdout.splitlines()
    assert program == "square_cube" and len(omp_env) > 200000 and f"KMP_MT_LONG_A={long}" in omp_env
    table = record("table", path, "--columns", "program")
    assert table.returncode == 0 and table.stdout.splitlines() == ["program", "square_cube"], table.stderr
    sweep = tmp_path / "sweep.csv"
    assert record("append", path, sweep).returncode == 0 and record("append", path, sweep).returncode == 0
    assert record("field", sweep, "omp_env").stdout.strip() == omp_env


def test_record_reads_the_nesting_the_programs_make_and_refuses_what_is_not_a_record(tmp_path):
    path = tmp_path / "r.json"
    nested = {"program": "x", "a": {"b": {"c": [[{"d": 1}]]}}}
    path.write_text(json.dumps(nested))
    assert record("field", path, "a.b.c").stdout == '[[{"d":1}]]\n'
    deep_but_readable = '{"program": "x", "deep": ' + "[" * 500 + "]" * 500 + "}"
    path.write_text(deep_but_readable)
    assert record("field", path, "program").stdout == "x\n"
    for text, what in (
            ('[{"program": "x"}]', "is a JSON array, not a record"),
            ("42\n", "is a JSON number, not a record"),
            ('"program"\n', "is a JSON string, not a record"),
            ("null", "is a JSON null, not a record"),
            ("[" * 100000 + "]" * 100000, "is JSON nested too deeply"),
            ('{"a":' * 100000 + "1" + "}" * 100000, "is JSON nested too deeply"),
            ("[1,\n", "is not one JSON object"),
            ("program,time_s\n", "holds a header (program,time_s) and no record")):
        path.write_text(text)
        for args in (["field", path, "program"], ["table", path]):
            bad = record(*args)
            assert bad.returncode == 2 and bad.stdout == "", (text[:40], bad)
            lines = bad.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"record.py: error: '{path}' {what}"), bad.stderr
    appended = record("append", path, tmp_path / "sweep.csv")
    assert appended.returncode == 2 and len(appended.stderr.splitlines()) == 1


def test_record_append_replacing_a_sweep_keeps_its_permissions(tmp_path):
    sweep, row = tmp_path / "sweep.csv", tmp_path / "row.csv"
    sweep.write_text("program,time_s\ncube_omp,1.5\n")
    sweep.chmod(0o600)
    row.write_text("program,time_s,mode\ncube_mpi,0.25,x\n")  # a new column: the table is written again
    assert record("append", row, sweep).returncode == 0
    assert sweep.read_text().splitlines()[0] == "program,time_s,mode"
    assert sweep.stat().st_mode & 0o777 == 0o600


def test_record_usage_errors_are_one_line_and_exit_2():
    for args in ([], ["nope"], ["field"], ["ratio", "1"], ["ratio", "1", "2", "--digits", "x"]):
        result = record(*args)
        assert result.returncode == 2 and result.stdout == "", args
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("record.py: error: "), args
    assert record("--help").stdout.startswith("usage: record.py")


def test_scripts_read_records_only_through_record_py():
    """The four readers that grew by hand (sed over the summary line, Python one-liners, an eval'd
    expression, head/grep/cut over the CSV header) are gone from the scripts that read records."""
    readers = {"scripts/demo.sh": 2, "bench/peers.sh": 4, "bench/run.sh": 10, "scripts/scaling.sh": 2}
    hand_made = re.compile(r"ideal \\\(|Execution Time: //p|json\.loads?|eval\(|head -n 1 \"\$1\"|grep -nx|"
                           r"\bcut -d, ")
    for path, least in readers.items():
        text = (SOURCE_DIR / path).read_text()
        assert len(re.findall(r"\bmt_record (field|ratio|goal|table|append)\b", text)) >= least, path
        assert not hand_made.search(text), (path, hand_made.search(text).group(0))
    assert not (SOURCE_DIR / "scripts" / "peers.sh").exists(), "peers.sh lives in bench/, beside what it drives"


# --- data never becomes code -------------------------------------------------------------------------

# Text that runs three commands if it ever becomes shell code (or gnuplot code: backquotes), each touching a
# marker file: in data, with the markers' folder in full; in a file name (which has a length limit), relative
# to the folder the script runs in, the markers' folder.
HOSTILE = "x'\"q`touch {m}/backquote`$(touch {m}/dollar);touch {m}/semicolon"
HOSTILE_NAME = "x'\"q`touch backquote`$(touch dollar);touch semicolon"


def no_markers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name in ("backquote", "dollar", "semicolon"))


def test_timeline_plot_draws_hostile_names_and_paths_as_text(tmp_path):
    """A trace whose program and mode hold quotes, backquotes and $(...), a title holding them, and a picture
    in a folder named with them: the picture is drawn and nothing of it runs."""
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    markers = tmp_path / "markers"
    markers.mkdir()
    hostile = HOSTILE.format(m=markers)
    trace = json.loads(timeline_file(tmp_path).read_text())
    trace["otherData"].update(program=hostile, mode=hostile)
    (tmp_path / "hostile.json").write_text(json.dumps(trace))
    folder = tmp_path / f"out {HOSTILE_NAME}"
    folder.mkdir()
    for picture, extra in ((folder / "a'b.png", []), (folder / "c.svg", ["--title", hostile, "--ideal", "0.005"])):
        result = run([SCRIPTS / "timeline-plot.sh", tmp_path / "hostile.json", "-o", picture, *extra], timeout=120,
                     cwd=markers)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(picture)
    assert (folder / "a'b.png").read_bytes()[:8] == PNG
    svg = (folder / "c.svg").read_text()
    assert "<svg" in svg[:2000] and "touch" in svg, "the title is drawn as the text it is"
    assert no_markers(markers) == []


def test_scaling_plot_takes_hostile_hosts_and_folders_as_text(tmp_path):
    """scaling.sh --analyze of two hosts' CSVs whose host names hold quotes, backquotes and $(...), into a
    folder named with them (gnuplot -e "dir='...'" broke on the first quote)."""
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    markers = tmp_path / "markers"
    markers.mkdir()
    hostile = HOSTILE.format(m=markers)
    for name, host in (("a.csv", hostile), ("b.csv", "node01")):
        synthetic(tmp_path / name, [("cube_omp", "loop", "", w, 1, 16, "spin", 1.0 / min(w, 2)) for w in (1, 2, 4)],
                  host=host.replace('"', "").replace(",", ""))
    out = tmp_path / f"o {HOSTILE_NAME}"
    result = run([SCRIPTS / "scaling.sh", "--analyze", tmp_path / "a.csv", tmp_path / "b.csv", "--out", out],
                 timeout=120, cwd=markers)
    assert result.returncode == 0, result.stderr
    assert (out / "scaling.png").read_bytes()[:8] == PNG
    assert "touch" in (out / "scaling.svg").read_text(), "the host names are in the key, as text"
    assert no_markers(markers) == []
    panels = (out / "scaling_panels.gp").read_text()
    assert "touch" not in panels and str(tmp_path) not in panels, "the gnuplot code holds no data"


# --- SIGPIPE: readers that leave a pipe early --------------------------------------------------------

def test_first_line_of_a_long_output_does_not_fail_under_pipefail():
    """mt_first_line reads the whole output, then cuts: `seq ... | head -n 1` fails with 141 under pipefail
    when seq still has lines to write."""
    script = f'set -euo pipefail; source "{SCRIPTS}/lib.sh"; mt_first_line seq 1 400000; echo done'
    result = run(["bash", "-c", script], timeout=60)
    assert result.returncode == 0 and result.stdout.splitlines() == ["1", "done"], result.stderr
    piped = run(["bash", "-c", "set -euo pipefail; x=$(seq 1 400000 | head -n 1); echo $x"], timeout=60)
    assert piped.returncode == 141, "the class this guards against (if this passes, the test proves nothing)"


# --- lib.sh: MPI session folders and package installs ------------------------------------------------

def fake_launcher(tmp_path, status=0):
    """A launcher that logs the TMPDIR it got, whether that folder existed, and its arguments."""
    launcher = tmp_path / "mpiexec"
    log = tmp_path / "launches.log"
    launcher.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "fake launcher 1.0"; exit 0; }}\n'
                        f'if [ -d "$TMPDIR" ]; then there=yes; else there=no; fi\n'
                        f'echo "$TMPDIR $there $*" >>"{log}"\nexit {status}\n')
    launcher.chmod(0o755)
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    (build / "CMakeCache.txt").write_text(f"MPIEXEC_EXECUTABLE:FILEPATH={launcher}\nMPIEXEC_NUMPROC_FLAG:STRING=-n\n")
    return build, log


@pytest.mark.launches_mpi
def test_each_mpi_launch_has_a_session_folder_of_its_own_removed_after(tmp_path):
    base = tmp_path / "tmp"
    base.mkdir()
    build, log = fake_launcher(tmp_path, status=3)
    script = f'source "{SCRIPTS}/lib.sh"; mt_mpirun 2 /bin/true; echo "status $?"; mt_mpirun 2 /bin/true || true'
    result = run(["bash", "-c", script], env={"BUILD_DIR": str(build), "TMPDIR": str(base)}, timeout=60)
    assert result.stdout.splitlines() == ["status 3"], result.stderr
    launches = [line.split(" ", 2) for line in log.read_text().splitlines()]
    assert len(launches) == 2
    folders = [folder for folder, _there, _args in launches]
    assert all(there == "yes" for _folder, there, _args in launches)
    assert folders[0] != folders[1] and all(f.startswith(str(base) + "/") for f in folders)
    assert list(base.iterdir()) == [], "each session folder is removed after its launch"


@pytest.mark.launches_mpi
def test_a_real_mpi_launch_runs_in_its_own_session_folder(tmp_path):
    need_built("mpi/cube_mpi")
    base = tmp_path / "tmp"
    base.mkdir()
    script = f'source "{SCRIPTS}/lib.sh"; mt_mpirun 2 "{BUILD_DIR}/mpi/cube_mpi" -t 1 -d 0 --json'
    result = run(["bash", "-c", script], env={"TMPDIR": str(base)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True
    assert list(base.iterdir()) == [], "the launch's session folder is gone"


def test_installs_wait_for_the_package_managers_lock(tmp_path):
    """mt_require's apt-get calls wait for the package manager's locks (another install may hold them): install
    through DPkg::Lock::Timeout, update by trying again while the lists' lock is held. The lint group brings
    shellcheck, flake8, clang-format and reuse."""
    if os.geteuid() != 0:
        pytest.skip("installs happen only as root")
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir()
    # The first update meets the package lists' lock held by another apt-get, as apt says it.
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$*" >>"{log}"\n'
                                     f'if [ "$3" = update ] && [ ! -e "{tmp_path}/held" ]; then\n'
                                     f'  touch "{tmp_path}/held"\n'
                                     '  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 7 '
                                     '(apt-get)" >&2\n  exit 100\nfi\n')
    (bin_dir / "apt-get").chmod(0o755)
    script = (f'source "{SCRIPTS}/lib.sh"; mt_dependencies | grep "^lint|"; '
              'mt_dependencies() { echo "fake|command:no-such-command-here|pkg-one pkg-two"; }; mt_require fake')
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "MT_APT_UPDATED": "", "MT_APT_LOCK_TIMEOUT": "77"}
    result = run(["bash", "-c", script], env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [line.split("|")[2] for line in result.stdout.splitlines()] == ["shellcheck", "flake8", "clang-format",
                                                                           "reuse"]
    calls = log.read_text().splitlines()
    assert calls == ["-o DPkg::Lock::Timeout=77 update -qq", "-o DPkg::Lock::Timeout=77 update -qq",
                     "-o DPkg::Lock::Timeout=77 install -y -qq --no-install-recommends pkg-one pkg-two"]
    assert "waiting for another apt-get" in result.stderr


def test_test_sh_offers_the_lint_label():
    result = run([SCRIPTS / "test.sh", "--help"], timeout=30)
    assert "lint" in result.stdout.split("-L, --label RE", 1)[1].split("-E, --exclude", 1)[0]


def dry_run(*args, env=None):
    result = run([SCRIPTS / "scaling.sh", "--dry-run", *args], env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), result.stderr


@pytest.mark.launches_mpi
def test_plan_covers_threads_tasks_ranks_hybrid_strong_and_weak():
    need_built("mpi/cube_mpi")
    lines, _ = dry_run("--quick")
    text = "\n".join(lines)
    for program in ("omp/cube_omp -t 4", "omp/square_cube --mode tasks -t 4", " -n 4 ", "cube_mpi -t 1"):
        assert program in text
    # Strong: the same n at every worker count; weak: 3 items a worker.
    assert "--generate 8 " in text and "--generate 12 " in text and "--generate 3 " in text
    # Hybrid points unbind the ranks so a rank's threads do not share one core.
    hybrid = [line for line in lines if "cube_mpi -t 2" in line]
    assert hybrid and all("--bind-to none" in line for line in hybrid)
    # The memory-bound map has no tasks series (a task per item would measure task overhead).
    assert not any("square_cube" in line and "--work none" in line for line in lines)


@pytest.mark.launches_mpi
def test_plan_adds_the_shared_series_when_cube_mpi_has_transport():
    need_built("mpi/cube_mpi")
    help_text = subprocess.run([str(BUILD_DIR / "mpi/cube_mpi"), "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    lines, _ = dry_run("--quick", "--work", "sleep")
    shared = [line for line in lines if "--transport shared" in line]
    if "--transport" in help_text:
        assert shared, "cube_mpi has --transport: the sweep must time the shared series"
    else:
        assert not shared


def test_warnings_before_timing():
    lines, stderr = dry_run("--quick", "--work", "sleep", "--series", "threads", "--max-workers", str(NPROC + 1),
                            env={"SLURM_JOB_ID": "42"})
    assert f"up to {NPROC + 1} workers on {NPROC} cores" in stderr
    assert "SLURM_CPUS_PER_TASK is unset" in stderr
    _, quiet = dry_run("--quick", "--work", "sleep", "--series", "threads", "--max-workers", "1",
                       env={"SLURM_JOB_ID": "42", "SLURM_CPUS_PER_TASK": "1"})
    assert "workers on" not in quiet and "SLURM_CPUS_PER_TASK" not in quiet


@pytest.mark.launches_mpi
def test_warns_when_open_mpi_runs_as_root():
    need_built("mpi/cube_mpi")
    _, stderr = dry_run("--quick", "--work", "sleep")
    if os.geteuid() == 0 and launcher_is_open_mpi():
        assert "Open MPI runs as root" in stderr
    else:
        assert "Open MPI runs as root" not in stderr


@pytest.mark.launches_mpi
def test_tiny_sweep_writes_one_row_per_point_and_the_analysis(tmp_path):
    need_built("omp/cube_omp", "mpi/cube_mpi")
    result = run([SCRIPTS / "scaling.sh", "--quick", "--work", "sleep", "--scaling", "strong",
                  "--series", "threads,ranks", "--max-workers", "2", "--repeat", "1", "--no-plot",
                  "--out", tmp_path], timeout=300)
    assert result.returncode == 0, result.stderr
    planned = dry_run("--quick", "--work", "sleep", "--scaling", "strong", "--series", "threads,ranks",
                      "--max-workers", "2")[0]
    csv_text = (tmp_path / "scaling.csv").read_text()
    header = subprocess.run([str(BUILD_DIR / "omp/cube_omp"), "--csv", "-d", "0"], capture_output=True, text=True,
                            timeout=30).stdout.splitlines()[0]
    # one table: cube_omp's columns, then cube_mpi's own (transport, chunk, imbalance)
    assert csv_text.splitlines()[0] == header + ",transport,chunk,imbalance"
    assert csv_text.count("program,") == 1, "one header: the sweep is one table"
    records = rows(tmp_path / "scaling.csv")
    assert len(records) == len(planned) == 4
    expected = {("cube_omp", "1"), ("cube_omp", "2"), ("cube_mpi", "1"), ("cube_mpi", "2")}
    assert {(r["program"], r["workers"]) for r in records} == expected
    assert all(r["valid"] == "true" for r in records)
    series = rows_of(tmp_path / "scaling_series.csv")
    assert {s["series"] for s in series} == {"threads (cube_omp)", "ranks (cube_mpi scatter)"}
    md = (tmp_path / "scaling.md").read_text()
    assert "| threads (cube_omp) | strong | n 4 |" in md
    # --append adds rows to the same table.
    again = run([SCRIPTS / "scaling.sh", "--quick", "--work", "sleep", "--scaling", "strong", "--series", "threads",
                 "--max-workers", "2", "--repeat", "1", "--no-plot", "--append", "--out", tmp_path], timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(rows(tmp_path / "scaling.csv")) == 6


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def synthetic(path, points, host="h1"):
    """A CSV of records: points are (program, mode, transport, threads, ranks, n, work, time)."""
    lines = [HEADER]
    for program, mode, transport, threads, ranks, n, work, time_s in points:
        lines.append(f"{program},{mode},{transport},{threads},{ranks},{threads * ranks},{n},{work},0.1,1,3,"
                     f"{time_s},{time_s},{time_s},,,,true,{host},gcc,201511,,,,,2026-01-01T00:00:00Z")
    path.write_text("\n".join(lines) + "\n")


def analyze(tmp_path, *csvs, cores=4):
    result = subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3",
                             str(SCRIPTS / "scaling_analyze.py"), "--out", str(tmp_path), "--cores", str(cores),
                             *map(str, csvs)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return rows_of(tmp_path / "scaling_points.csv"), rows_of(tmp_path / "scaling_series.csv")


def test_analysis_recovers_an_amdahl_serial_fraction(tmp_path):
    f, t1 = 0.2, 1.0
    points = [("cube_omp", "loop", "", w, 1, 64, "spin", t1 * (f + (1 - f) / w)) for w in (1, 2, 4)]
    synthetic(tmp_path / "a.csv", points)
    pts, series = analyze(tmp_path, tmp_path / "a.csv")
    assert len(series) == 1 and series[0]["scaling"] == "strong" and series[0]["model"] == "amdahl"
    assert math.isclose(float(series[0]["serial_fraction"]), f, abs_tol=1e-3)
    four = next(p for p in pts if p["workers"] == "4")
    speedup = 1 / (f + (1 - f) / 4)
    assert math.isclose(float(four["speedup"]), speedup, rel_tol=1e-3)
    assert math.isclose(float(four["efficiency"]), speedup / 4, rel_tol=1e-3)
    # Karp-Flatt gives back f exactly when the times follow Amdahl's law.
    assert math.isclose(float(four["karp_flatt"]), f, abs_tol=1e-3)


def test_analysis_tells_strong_from_weak_and_borrows_the_hybrid_baseline(tmp_path):
    points = [
        ("cube_mpi", "scatter", "scatter", 1, 1, 8, "sleep", 0.8),   # the baseline of both mpi series
        ("cube_mpi", "scatter", "scatter", 1, 2, 8, "sleep", 0.4),
        ("cube_mpi", "scatter", "scatter", 1, 4, 8, "sleep", 0.2),
        ("cube_mpi", "scatter", "scatter", 2, 1, 8, "sleep", 0.4),   # hybrid 1 x 2
        ("cube_mpi", "scatter", "scatter", 2, 2, 8, "sleep", 0.25),  # hybrid 2 x 2
        ("cube_mpi", "scatter", "scatter", 1, 1, 3, "sleep", 0.3),   # weak: 3 a worker
        ("cube_mpi", "scatter", "scatter", 1, 2, 6, "sleep", 0.3),
        ("cube_mpi", "scatter", "scatter", 1, 4, 12, "sleep", 0.4),
    ]
    synthetic(tmp_path / "a.csv", points)
    _, series = analyze(tmp_path, tmp_path / "a.csv")
    found = {(s["series"], s["scaling"]): s for s in series}
    assert set(found) == {("ranks (cube_mpi scatter)", "strong"), ("ranks (cube_mpi scatter)", "weak"),
                          ("hybrid: ranks x 2 threads (cube_mpi scatter)", "strong")}
    assert found[("ranks (cube_mpi scatter)", "strong")]["speedup_at_max"] == "4.0000"
    assert found[("hybrid: ranks x 2 threads (cube_mpi scatter)", "strong")]["speedup_at_max"] == "3.2000"
    weak = found[("ranks (cube_mpi scatter)", "weak")]
    assert weak["efficiency_at_max"] == "0.7500" and weak["speedup_at_max"] == "3.0000"
    assert weak["model"] == "gustafson"


def test_analysis_reads_two_hosts_together_and_skips_invalid_rows(tmp_path):
    synthetic(tmp_path / "laptop.csv", [("cube_omp", "loop", "", w, 1, 16, "spin", 1.0 / w) for w in (1, 2)])
    synthetic(tmp_path / "cluster.csv", [("cube_omp", "loop", "", w, 1, 16, "spin", 1.0 / w) for w in (1, 2, 4)],
              host="node01")
    text = (tmp_path / "cluster.csv").read_text().replace("true,node01", "false,node01", 1)
    (tmp_path / "cluster.csv").write_text(text + (tmp_path / "laptop.csv").read_text().split("\n", 1)[1])
    _, series = analyze(tmp_path, tmp_path / "laptop.csv", tmp_path / "cluster.csv")
    labels = sorted(s["series"] for s in series)
    assert labels == ["threads (cube_omp) @h1", "threads (cube_omp) @node01"]
    assert "1 row(s) that did not validate" in (tmp_path / "scaling.md").read_text()


def test_analyze_mode_plots_with_gnuplot(tmp_path):
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    synthetic(tmp_path / "a.csv", [("cube_omp", "loop", "", w, 1, 16, work, 1.0 / min(w, 2))
                                   for w in (1, 2, 4) for work in ("sleep", "spin")])
    out = tmp_path / "out"
    result = run([SCRIPTS / "scaling.sh", "--analyze", tmp_path / "a.csv", "--out", out], timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "scaling.svg").read_bytes()[:2000]
    assert len(rows(out / "scaling.csv")) == 6


# --- the demo: the README's first command -----------------------------------------------------------

DEMO_ROW = re.compile(r"^(\d\+?)\s+(.+?)\s+(\d+)\s+(\d+\.\d+)\s+(\S+)\s+(\S+)$")


@pytest.mark.launches_mpi
def test_demo_runs_every_activity_and_draws_the_pictures(tmp_path):
    """scripts/demo.sh as a new user runs it, with short work: every activity that is built runs and has its
    row in the table (time, and ideal and ratio where a model exists), and the three pictures are drawn."""
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    delay = 0.02
    # (its folder a relative path that starts with '-': a path, not an option)
    result = run([SCRIPTS / "demo.sh", "--delay", delay, "--out", "-pictures"], cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    table = result.stdout.split("\nactivity ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    found = {}
    for line in table:
        match = DEMO_ROW.match(line)
        assert match, line
        number, label, workers, time_s, ideal, ratio = match.groups()
        found[label] = (number, int(workers), float(time_s), ideal, ratio)
    expected = ["seq: squares, then cubes", "sections: two threads", "tasks: one task per item and op",
                "cube_omp: a parallel loop"]
    if (BUILD_DIR / "omp/download").exists():
        expected += ["download: 30 files, 1 job", "download: tasks, 8 jobs", "download: multi, 1 thread, 8 at once"]
    if (BUILD_DIR / "mpi/cube_mpi").exists():
        expected.append("cube_mpi: 4 ranks, Scatterv")
    assert sorted(found) == sorted(expected), table
    for label, (_number, workers, time_s, ideal, ratio) in found.items():
        if label.startswith("download"):
            assert (ideal, ratio) == ("-", "-")
            continue
        # The ratio is the run's time over the ideal time its program reports, which no run can beat.
        assert float(ideal) > 0, label
        assert time_s >= float(ideal) * 0.99, (label, time_s, ideal)
        assert float(ratio) == pytest.approx(time_s / float(ideal), abs=0.002), (label, time_s, ideal, ratio)
    pictures = ["parallelism", "concurrent-parallelism"]
    if (BUILD_DIR / "omp/download").exists():
        pictures.append("concurrency")  # drawn from downloads
    for name in pictures:
        assert (tmp_path / "-pictures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / "-pictures" / f"{name}.json").stat().st_size > 0


@pytest.mark.launches_mpi
def test_mpirun_puts_findmpi_flags_where_findmpi_says(tmp_path):
    """lib.sh's mt_mpirun: launcher, NUMPROC_FLAG N, PREFLAGS, launcher options, the program, POSTFLAGS, the
    program's arguments; no Open MPI switch for a launcher that is not Open MPI's (here, echo)."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "CMakeCache.txt").write_text("MPIEXEC_EXECUTABLE:FILEPATH=/bin/echo\nMPIEXEC_NUMPROC_FLAG:STRING=-np\n"
                                          "MPIEXEC_PREFLAGS:STRING=--pre one\nMPIEXEC_POSTFLAGS:STRING=--post\n")
    program = SOURCE_DIR / "scripts" / "demo.sh"  # any executable path stands for the program
    result = run(["bash", "-c", f'source "{SCRIPTS}/lib.sh" && mt_mpirun 9 --bind-to none "{program}" -t 1'],
                 env={"BUILD_DIR": str(build)}, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-np", "9", "--pre", "one", "--bind-to", "none", str(program), "--post",
                                     "-t", "1"]


# --- the benchmarks' reports, read from the records ---------------------------------------------------

NUMBER = r"\d+(\.\d+)?(e[-+]?\d+)?"


def table_rows(text, header_start):
    """The rows of the markdown table whose header line starts with HEADER_START, split into cells."""
    lines = text.split(header_start, 1)[1].splitlines()[2:]
    rows_found = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows_found.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows_found


def no_installs(tmp_path):
    """PATH with an apt-get that fails: a benchmark's optional peers stay out instead of being installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text("#!/bin/sh\nexit 100\n")
    (bin_dir / "apt-get").chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}"}


def test_peers_table_reads_every_run_from_its_record(tmp_path):
    """bench/peers.sh, small: each activity's first row is ours (ratio 1.00), each peer's ratio is its time over
    ours, and the original starmap's error is quoted from its record."""
    need_built("omp/square_cube", "omp/cube_omp")
    out = tmp_path / "-tables" / "peers.md"  # given relative: a path that starts with '-'
    result = run([SOURCE_DIR / "bench/peers.sh", "--repeat", "1", "--items", "4096", "--no-download", "--out",
                  "-tables/peers.md"], env=no_installs(tmp_path), cwd=tmp_path, timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.read_text() == result.stdout
    rows_found = table_rows(result.stdout, "| activity | program | median s | ratio |")
    sections = [r for r in rows_found if r[0]]
    assert len(sections) == 5, sections
    baseline = None
    for activity, program, median, ratio in rows_found:
        if activity:
            baseline = None
            continue
        assert re.fullmatch(NUMBER, median) and re.fullmatch(r"\**\d+\.\d\d\**", ratio), (program, median, ratio)
        if baseline is None:
            baseline = float(median)
            assert ratio == "1.00", program
        else:
            assert float(ratio.strip("*")) == pytest.approx(float(median) / baseline, abs=0.01, rel=0.01), program
    assert any(program.startswith("Python atividade1") for _, program, _, _ in rows_found)
    assert re.search(r"does not run: TypeError: \S", result.stdout), "the original's error, from its record"


def test_bench_run_quick_report_reads_every_number_from_the_records(tmp_path):
    """bench/run.sh --quick: the ideal-time table is the runs' own records (time, ideal, ratio, goal); the other
    tables carry a number in every measured cell and a verdict in every goal cell."""
    need_built("omp/square_cube", "omp/cube_omp", "bench/stream_copy", "bench/omp_overhead")
    out = tmp_path / "-bench.md"  # given relative: a path that starts with '-'
    result = run([SOURCE_DIR / "bench/run.sh", "--quick", "--repeat", "5", "--out", "-bench.md"], cwd=tmp_path,
                 timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.read_text() == result.stdout
    ideal = table_rows(result.stdout, "| program | mode | threads | ranks | n | time_s | ideal_s | ratio |")
    programs = {"square_cube", "cube_omp"} | ({"cube_mpi"} if (BUILD_DIR / "mpi/cube_mpi").exists() else set())
    assert {r[0] for r in ideal} == programs
    for program, mode, threads, ranks, n, time_s, ideal_s, ratio, goal in ideal:
        assert float(time_s) >= float(ideal_s) * 0.99 > 0, (program, mode)
        # (time_s and ideal_s are rounded to 4 places: 0.0103 / 0.0100 for a ratio of 1.0276)
        assert float(ratio) == pytest.approx(float(time_s) / float(ideal_s), rel=0.01), (program, mode)
        assert goal == ("yes" if float(ratio) <= 1.02 else "**no**"), (program, mode, ratio, goal)
    budget = table_rows(result.stdout, "| run | off: median s | on: median s | on / off | goal |")
    assert len(budget) == 3
    for run_name, off, on, ratio, goal in budget:
        assert float(ratio) == pytest.approx(float(on) / float(off), abs=0.002), run_name
        assert re.fullmatch(r"<= [\d.]+: (yes|\*\*no\*\*)", goal), goal
    overheads = table_rows(result.stdout, "| construct | overhead |")
    assert len(overheads) == 2 and all(re.fullmatch(NUMBER + " µs", r[1]) for r in overheads)
    memory = table_rows(result.stdout, "| run | median s | GB/s | against | ratio | goal |")
    assert all(re.fullmatch(NUMBER, r[1]) and re.fullmatch(NUMBER, r[2]) for r in memory[:3]), memory
    assert all(re.fullmatch(r"[<>]= [\d.]+: (yes|\*\*no\*\*)", r[5]) for r in memory if r[5]), memory


# --- paths that start with '-' --------------------------------------------------------------------------

def dash_build_dir(tmp_path):
    """BUILD_DIR as a relative path that starts with '-' and names the real build folder: -x/../.../build from
    tmp_path (the scripts' cwd). Not a link to it: cmake would take the link's path for another build folder."""
    (tmp_path / "-x").mkdir()
    return {"BUILD_DIR": os.path.join("-x", os.path.relpath(BUILD_DIR, tmp_path / "-x"))}


def test_timeline_plot_takes_dash_paths_and_ends_its_options_with_two_dashes(tmp_path):
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    (tmp_path / "-run.json").write_bytes(timeline_file(tmp_path).read_bytes())
    for args, picture in ((["-o", "-pictures/a.png", "--", "-run.json"], "-pictures/a.png"),
                          (["--output", "-b.svg", "--", "-run.json"], "-b.svg"),
                          (["--", "-run.json", "-o", "-c.png"], None)):
        result = run([SCRIPTS / "timeline-plot.sh", *args], cwd=tmp_path, timeout=120)
        if picture is None:  # after '--' every word is an operand: "-o" is a second timeline
            assert result.returncode == 2 and "one timeline at a time" in result.stderr, result.stderr
            continue
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"./{picture}"
        assert (tmp_path / picture).stat().st_size > 0
    refused = run([SCRIPTS / "timeline-plot.sh", "-run.json", "-o", "x.png"], cwd=tmp_path, timeout=60)
    assert refused.returncode == 2 and "unknown option '-run.json'" in refused.stderr  # without '--': an option


@pytest.mark.parametrize("script", ["scripts/demo.sh", "scripts/pictures.sh", "scripts/scaling.sh",
                                    "scripts/test.sh", "bench/download_bench.sh", "bench/download_scale.sh",
                                    "bench/peers.sh", "bench/reader_bench.sh", "bench/run.sh", "tests/fuzz/run.sh"])
def test_every_script_takes_two_dashes_as_the_end_of_its_options(script):
    result = run([SOURCE_DIR / script, "--help", "--"], timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("Usage:"), result.stderr
    extra = run([SOURCE_DIR / script, "--", "stray"], timeout=30)
    assert extra.returncode == 2 and extra.stdout == "", extra.stderr
    assert extra.stderr.splitlines() == [f"{script_name(script)}: error: unexpected argument 'stray' "
                                         f"(see {script} --help)"]


def test_scaling_takes_dash_paths_for_its_input_output_and_build(tmp_path):
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    synthetic(tmp_path / "-a.csv", [("cube_omp", "loop", "", w, 1, 16, work, 1.0 / min(w, 2))
                                    for w in (1, 2, 4) for work in ("sleep", "spin")])
    result = run([SCRIPTS / "scaling.sh", "--analyze", "-a.csv", "--out", "-out"], cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "-out" / "scaling.png").read_bytes()[:8] == PNG
    assert len(rows(tmp_path / "-out" / "scaling.csv")) == 6
    need_built("omp/cube_omp")
    result = run([SCRIPTS / "scaling.sh", "--quick", "--work", "sleep", "--scaling", "strong", "--series",
                  "threads", "--max-workers", "2", "--repeat", "1", "--no-plot", "--out", "-sweep"],
                 env=dash_build_dir(tmp_path), cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(rows(tmp_path / "-sweep" / "scaling.csv")) >= 2


def test_benchmarks_take_dash_paths(tmp_path):
    need_built("omp/cube_omp")
    (tmp_path / "-numbers").mkdir()
    result = run([SOURCE_DIR / "bench/reader_bench.sh", "--count", "2000", "--repeat", "1", "--file",
                  "-numbers/list.txt", "--out", "-tables/reader.md"], env=dash_build_dir(tmp_path), cwd=tmp_path,
                 timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "-tables" / "reader.md").read_text() == result.stdout
    assert (tmp_path / "-numbers" / "list.txt").stat().st_size > 0


def test_the_fuzz_runner_takes_a_dash_output_folder(tmp_path):
    need_command("clang", "apt-get install clang libclang-rt-14-dev (the sanitize group of scripts/lib.sh)")
    if os.environ.get("MT_SANITIZE"):
        pytest.skip("the fuzz runner skips itself in a sanitizer build")
    result = run([SOURCE_DIR / "tests/fuzz/run.sh", "--target", "fuzz_url_name", "--seconds", "1", "--out", "-fuzz"],
                 cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "-fuzz" / "fuzz_url_name").is_file() and (tmp_path / "-fuzz" / "fuzz_url_name.log").is_file()


@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_the_sweeps_csv_honours_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path, umask, mode):
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    synthetic(tmp_path / "a.csv", [("cube_omp", "loop", "", w, 1, 16, "sleep", 1.0 / w) for w in (1, 2)])
    out = tmp_path / "out"
    command = ["bash", "-c", 'umask "$1"; shift; exec "$@"', "umask", f"{umask:03o}", SCRIPTS / "scaling.sh",
               "--analyze", tmp_path / "a.csv", "--out", out]
    result = run(command, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "scaling.csv").stat().st_mode & 0o777 == mode
    (out / "scaling.csv").chmod(0o640)
    assert run(command, timeout=120).returncode == 0
    assert (out / "scaling.csv").stat().st_mode & 0o777 == 0o640


@pytest.mark.launches_mpi
def test_the_readme_says_what_a_full_device_does_under_this_builds_launcher(tmp_path):
    """The README's sentence on a full device is the launcher's behaviour: a rank run alone reports it (exit 1);
    under Open MPI's mpirun the launcher writes the ranks' output and drops its own write error (exit 0), under
    MPICH's mpiexec the launcher reports it (not 0). Checked with this build's launcher."""
    need_built("mpi/cube_mpi")
    readme = " ".join((SOURCE_DIR / "README.md").read_text().split())
    assert "on every rank under `mpirun`" not in readme
    assert "`mpirun -np 2 cube_mpi > /dev/full` prints nothing and exits 0" in readme
    assert "MPICH's `mpiexec` reports them" in readme and "`--output FILE`" in readme
    program = BUILD_DIR / "mpi" / "cube_mpi"
    base = tmp_path / "tmp"
    base.mkdir()
    with open("/dev/full", "w") as full:
        alone = subprocess.run([str(program), "-d", "0"], stdout=full, stderr=subprocess.PIPE, text=True,
                               env=script_env({"TMPDIR": str(base)}), timeout=120)
        assert alone.returncode == 1 and "No space left on device" in alone.stderr, alone.stderr
        script = f'source "{SCRIPTS}/lib.sh"; mt_mpirun 2 "{program}" -t 1 -d 0'
        launched = subprocess.run(["bash", "-c", script], stdout=full, stderr=subprocess.PIPE, text=True,
                                  env=script_env({"TMPDIR": str(base)}), timeout=120)
    if launcher_is_open_mpi():
        assert launched.returncode == 0, launched.stderr
    else:
        assert launched.returncode != 0 and "No space left on device" in launched.stderr, launched.stderr
