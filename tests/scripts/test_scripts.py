"""The scripts as a user runs them: syntax and shellcheck for every one, --help, bad options, the
scaling sweep's plan (--dry-run), its warnings, a tiny real sweep, the analysis's arithmetic, and the demo."""
import math
import os
import re
import subprocess

import pytest
from conftest import (BUILD_DIR, FAKE_SLURM, NPROC, SCRIPTS, SOURCE_DIR, launcher_is_open_mpi, need_built,
                      need_command, rows, run)

HEADER = ("program,mode,transport,threads,ranks,workers,n,work,delay_s,warmup,repeat,time_s,time_min_s,"
          "time_max_s,ideal_s,ratio,items_per_s,valid,host,compiler,openmp,mpi_library,libcurl,omp_env,job_env,date")


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


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(SOURCE_DIR)))
def test_script_is_shellcheck_clean(script):
    need_command("shellcheck", "apt-get install shellcheck (scripts/test.sh installs the lint group)")
    result = subprocess.run(["shellcheck", "-x", "-s", "bash", str(script)], capture_output=True, text=True,
                            timeout=60, cwd=SOURCE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


# Each script that a user runs, and one of its options that takes a value.
USER_SCRIPTS = [("scaling.sh", "--out"), ("peers.sh", "--repeat"), ("demo.sh", "--delay"), ("test.sh", "--mpi"),
                ("pictures.sh", "--out"), ("timeline-plot.sh", "--title")]


@pytest.mark.parametrize("script,option", USER_SCRIPTS)
def test_help_exits_0_and_bad_options_exit_2_with_one_line(script, option):
    """--help prints the usage; an unknown option, or an option without its value, is one line on stderr
    (SCRIPT: error: ...) and exit 2, before anything is built or run."""
    result = run([SCRIPTS / script, "--help"], timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("Usage:"), result.stderr
    bad = run([SCRIPTS / script, "--no-such-option"], timeout=30)
    assert bad.returncode == 2 and bad.stdout == "", bad.stderr
    expected = f"{script}: error: unknown option '--no-such-option' (see scripts/{script} --help)"
    assert bad.stderr.splitlines() == [expected]
    missing = run([SCRIPTS / script, option], timeout=30)
    assert missing.returncode == 2 and missing.stdout == "", missing.stderr
    lines = missing.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{script}: error: {option} needs "), missing.stderr


@pytest.mark.parametrize("args,word", [(["--work", "disk"], "disk"), (["--max-workers", "0"], "'0'"),
                                       (["--series", "gpus"], "gpus"), (["--scaling", "medium"], "medium")])
def test_scaling_rejects_bad_values_with_exit_2(args, word):
    result = run([SCRIPTS / "scaling.sh", *args], timeout=30)
    assert result.returncode == 2 and word in result.stderr


def dry_run(*args, env=None):
    result = run([SCRIPTS / "scaling.sh", "--dry-run", *args], env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), result.stderr


def test_plan_covers_threads_tasks_ranks_hybrid_strong_and_weak():
    need_built("mpi/cube_mpi")
    lines, _ = dry_run("--quick")
    text = "\n".join(lines)
    for program in ("omp/cube_omp -t 4", "omp/square_cube --mode tasks -t 4", " -n 4 ", "cube_mpi -t 1"):
        assert program in text
    # Strong: the same n at every worker count; weak: 3 items a worker.
    assert "--generate 8 " in text and "--generate 12 " in text and "--generate 3 " in text
    # Hybrid points unbind the ranks so a rank's threads do not share one core.
    hybrid = [l for l in lines if "cube_mpi -t 2" in l]
    assert hybrid and all("--bind-to none" in l for l in hybrid)
    # The memory-bound map has no tasks series (a task per item would measure task overhead).
    assert not any("square_cube" in l and "--work none" in l for l in lines)


def test_plan_adds_the_shared_series_when_cube_mpi_has_transport():
    need_built("mpi/cube_mpi")
    help_text = subprocess.run([str(BUILD_DIR / "mpi/cube_mpi"), "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    lines, _ = dry_run("--quick", "--work", "sleep")
    shared = [l for l in lines if "--transport shared" in l]
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


def test_warns_when_open_mpi_runs_as_root():
    need_built("mpi/cube_mpi")
    _, stderr = dry_run("--quick", "--work", "sleep")
    if os.geteuid() == 0 and launcher_is_open_mpi():
        assert "Open MPI runs as root" in stderr
    else:
        assert "Open MPI runs as root" not in stderr


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
    assert csv_text.splitlines()[0] == header
    assert csv_text.count("program,") == 1, "one header: every program prints the same columns"
    records = rows(tmp_path / "scaling.csv")
    assert len(records) == len(planned) == 4
    assert {(r["program"], r["workers"]) for r in records} == {("cube_omp", "1"), ("cube_omp", "2"),
                                                              ("cube_mpi", "1"), ("cube_mpi", "2")}
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
    import csv
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


def test_demo_runs_every_activity_and_draws_the_pictures(tmp_path):
    """scripts/demo.sh as a new user runs it, with short work: every activity that is built runs and has its
    row in the table (time, and ideal and ratio where a model exists), and the three pictures are drawn."""
    need_command("gnuplot", "apt-get install gnuplot-nox (the plots group of scripts/lib.sh)")
    delay = 0.02
    result = run([SCRIPTS / "demo.sh", "--delay", delay, "--out", tmp_path / "pictures"], timeout=240)
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
        assert (tmp_path / "pictures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / "pictures" / f"{name}.json").stat().st_size > 0


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
