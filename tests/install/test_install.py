# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The suite as cmake --install leaves it (label install): installed into a temporary prefix, then moved, and used
from a folder outside the checkout with nothing of the build around: the programs (their --version), the scripts
(demo, timeline-plot, record), the man pages, the bash completion, and the modulefile under Lmod."""
import os
import re
import shutil
import subprocess

import pytest
from conftest import BUILD_DIR, SOURCE_DIR, built_programs, clean_env, run, version

LMOD_INIT = "/usr/share/lmod/lmod/init/bash"
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
SCRIPTS = ["demo.sh", "pictures.sh", "scaling.sh", "timeline-plot.sh", "record.py", "image_server.py", "lib.sh",
           "scaling_analyze.py", "timeline_lanes.py", "plot_scaling.gp", "timeline.gp"]
TEMPLATES = ["slurm/threads.sbatch", "slurm/ranks.sbatch", "slurm/hybrid.sbatch", "slurm/sweep.sbatch",
             "slurm/job_lib.sh", "pbs/hybrid.pbs", "pbs/sweep.pbs"]


def test_the_prefix_holds_programs_scripts_templates_docs_pages_completion_and_modulefile(installed):
    prefix, _ = installed
    expected = [f"bin/{p}" for p in built_programs()]
    expected += [f"share/multitarefas/scripts/{s}" for s in SCRIPTS + TEMPLATES]
    expected += [f"share/man/man1/{p}.1" for p in built_programs()]
    expected += [f"share/bash-completion/completions/{p}" for p in built_programs()]
    expected += ["share/doc/multitarefas/README.md", "share/doc/multitarefas/LICENSE",
                 "share/doc/multitarefas/CITATION.cff", "share/doc/multitarefas/docs/clusters.md",
                 f"share/modulefiles/multitarefas/{version()}"]
    missing = [path for path in expected if not (prefix / path).is_file()]
    assert not missing, missing
    if "cube_mpi" not in built_programs():
        assert not (prefix / "bin" / "cube_mpi").exists()


def test_nothing_installed_names_the_prefix_the_checkout_or_the_build(installed):
    """Relocatable: no file (program, script, page, modulefile) carries the folder it was installed to, nor the
    source or build folder it came from."""
    prefix, first = installed
    needles = [str(first).encode(), str(SOURCE_DIR).encode(), str(BUILD_DIR).encode()]
    named = [f"{path.relative_to(prefix)}: {needle.decode()}" for path in prefix.rglob("*") if path.is_file()
             for needle in needles if needle in path.read_bytes()]
    assert not named, named


def test_installed_programs_run_from_another_folder_and_name_their_build(installed, elsewhere):
    prefix, _ = installed
    for program in built_programs():
        result = run([prefix / "bin" / program, "--version"], elsewhere)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == f"{program} (multitarefas) {version()}"
        fields = dict(line.split(": ", 1) for line in lines[1:])
        assert set(fields) == {"commit", "compiler", "OpenMP", "MPI", "libcurl"}, lines
        assert re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?|unknown", fields["commit"]), fields
        assert fields["compiler"].startswith(("gcc ", "clang ")), fields
        assert (fields["MPI"] != "none") == (program == "cube_mpi"), fields
        assert (fields["libcurl"] != "none") == (program == "download"), fields
        if program == "download":
            assert re.match(r"\d+\.\d+\.\d+ \(", fields["libcurl"]), fields
    result = run([prefix / "bin" / "square_cube", "2", "3"], elsewhere)
    assert result.returncode == 0 and "3 ^ 3 = 27" in result.stdout and "Execution Time:" in result.stdout


def test_the_commit_is_the_checkouts(installed, elsewhere):
    git = shutil.which("git")
    head = git and subprocess.run([git, "-C", str(SOURCE_DIR), "rev-parse", "--short=12", "HEAD"],
                                  capture_output=True, text=True, timeout=30)
    if not head or head.returncode != 0:
        pytest.skip("the sources are not a git checkout")
    prefix, _ = installed
    result = run([prefix / "bin" / "cube_omp", "--version"], elsewhere)
    assert f"commit: {head.stdout.strip()}" in result.stdout


def test_installed_demo_runs_the_installed_programs_and_builds_nothing(installed, elsewhere):
    """demo.sh from the prefix, in a folder of the user's: it runs the prefix's programs (no build folder, no
    cmake), serves the images from the installed image server, and draws its pictures under the current folder."""
    prefix, _ = installed
    demo = prefix / "share/multitarefas/scripts/demo.sh"
    if shutil.which("gnuplot") is None:
        pytest.skip("gnuplot is not installed (the demo draws pictures): apt-get install gnuplot-nox")
    result = run([demo, "--delay", "0.01"], elsewhere, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "building" not in result.stderr
    assert "4  cube_omp: a parallel loop" in result.stdout
    pictures = elsewhere / "pictures"
    assert sorted(p.name for p in pictures.glob("*.png")) == sorted(
        ["parallelism.png", "concurrent-parallelism.png"] + (["concurrency.png"] if "download" in built_programs()
                                                             else []))
    assert not (prefix / "share/multitarefas/build").exists()
    assert not any(p.name == "CMakeCache.txt" for p in elsewhere.rglob("*"))


def test_installed_timeline_plot_and_record_read_a_run(installed, elsewhere):
    prefix, _ = installed
    scripts = prefix / "share/multitarefas/scripts"
    run_ = run([prefix / "bin" / "cube_omp", "-t", "2", "--delay", "0.01", "--timeline", "run.json", "--json"],
               elsewhere)
    assert run_.returncode == 0, run_.stderr
    (elsewhere / "record.json").write_text(run_.stdout)
    field = run(["/usr/bin/python3", scripts / "record.py", "field", "record.json", "program"], elsewhere)
    assert field.returncode == 0 and field.stdout.strip() == "cube_omp", field.stderr
    if shutil.which("gnuplot") is None:
        pytest.skip("gnuplot is not installed: apt-get install gnuplot-nox")
    plot = run([scripts / "timeline-plot.sh", "run.json", "-o", "run.png"], elsewhere)
    assert plot.returncode == 0, plot.stderr
    assert (elsewhere / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


MAN_ENV = {"MANWIDTH": "100", "LANG": "C", "LC_ALL": "C", "MANPAGER": "cat", "PAGER": "cat"}


def test_man_pages_render_and_are_found_through_manpath(installed, elsewhere):
    if shutil.which("man") is None:
        pytest.skip("man is not installed: apt-get install man-db")
    prefix, _ = installed
    pages = prefix / "share/man"
    for program in built_programs():
        rendered = run(["man", "-l", pages / "man1" / f"{program}.1"], elsewhere, env=MAN_ENV)
        assert rendered.returncode == 0, rendered.stderr
        assert program in rendered.stdout and "--threads" in rendered.stdout
        assert "SEE ALSO" in rendered.stdout
        found = run(["man", "-w", program], elsewhere, env=dict(MAN_ENV, MANPATH=str(pages)))
        assert found.stdout.strip() == str(pages / "man1" / f"{program}.1"), found.stdout + found.stderr
    if "cube_mpi" in built_programs():
        page = run(["man", "-l", pages / "man1/cube_mpi.1"], elsewhere, env=MAN_ENV).stdout
        assert "--transport" in page and "MPI_Scatterv" in page


def complete(completion, words, cursor_word=None, env=None, loader=False):
    """What bash completes for the command line WORDS (the last one being completed), with the installed
    completion sourced (or found by bash-completion's own loader through XDG_DATA_DIRS)."""
    index = len(words) - 1 if cursor_word is None else cursor_word
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    if loader:
        setup = f'source {BASH_COMPLETION}; __load_completion {words[0]} || exit 3'
    else:
        setup = f'source "{completion}"'
    script = (f'{setup}; COMP_WORDS=({quoted}); COMP_CWORD={index}; COMP_LINE="${{COMP_WORDS[*]}}"; '
              f'COMP_POINT=${{#COMP_LINE}}; _multitarefas; printf "%s\\n" "${{COMPREPLY[@]}}"')
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, env=clean_env(env))
    assert result.returncode == 0, result.stderr
    return sorted(line for line in result.stdout.splitlines() if line)


def test_completion_completes_every_option_and_the_listed_values(installed, elsewhere):
    prefix, _ = installed
    completions = prefix / "share/bash-completion/completions"
    cases = {("square_cube", "--mo"): ["--mode"],
             ("square_cube", "--mode", "s"): ["sections", "seq"],
             ("square_cube", "-m", ""): ["sections", "seq", "tasks"],
             ("square_cube", "--wo"): ["--work"],
             ("cube_omp", "--work", ""): ["none", "sleep", "spin"],
             ("cube_omp", "--threads", ""): [],
             ("cube_omp", "--", "--"): []}
    if "download" in built_programs():
        cases[("download", "--mode", "m")] = ["multi"]
        cases[("download", "--max-r")] = ["--max-redirs"]
    if "cube_mpi" in built_programs():
        cases[("cube_mpi", "--transport", "")] = ["scatter", "shared"]
        cases[("cube_mpi", "--ch")] = ["--chunk"]
    for words, expected in cases.items():
        assert complete(completions / words[0], list(words)) == expected, words
    # Every long option --help lists completes, for every program.
    for program in built_programs():
        help_text = run([prefix / "bin" / program, "--help"], elsewhere).stdout
        listed = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][\w-]*)", help_text, re.M))
        assert len(listed) >= 10, help_text
        offered = set(complete(completions / program, [program, "--"], cursor_word=1))
        assert listed <= offered, listed - offered
    # A file value completes files.
    (elsewhere / "numbers.txt").write_text("2 3\n")
    assert complete(completions / "cube_omp", ["cube_omp", "--input", str(elsewhere / "num")]) == [
        str(elsewhere / "numbers.txt")]


def test_bash_completion_finds_the_completion_through_xdg_data_dirs(installed):
    """The module's way: bash-completion loads a command's completion from XDG_DATA_DIRS/bash-completion/completions
    on first use."""
    if not os.path.exists(BASH_COMPLETION):
        pytest.skip("bash-completion is not installed: apt-get install bash-completion")
    prefix, _ = installed
    found = complete(None, ["square_cube", "--mode", "t"], env={"XDG_DATA_DIRS": f"{prefix}/share:/usr/share"},
                     loader=True)
    assert found == ["tasks"]


def lmod(script, cwd, timeout=60):
    """SCRIPT in a bash where Lmod is set up, with a user's bare environment."""
    if not os.path.exists(LMOD_INIT):
        pytest.skip("Lmod is not installed: apt-get install lmod")
    env = {"HOME": str(cwd), "PATH": "/usr/bin:/bin", "TERM": "dumb", "LANG": "C.UTF-8"}
    return subprocess.run(["bash", "-c", f"set -e; source {LMOD_INIT}; {script}"], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


LOAD_AND_SHOW = ('module load multitarefas; echo "root=$MULTITAREFAS_ROOT"; echo "cube_omp=$(command -v cube_omp)"; '
                 'cube_omp --version | head -n 1; echo "page=$(man -w cube_omp)"; echo "ls=$(man -w ls || true)"; '
                 'echo "xdg=$XDG_DATA_DIRS"; module unload multitarefas; echo "after=${MULTITAREFAS_ROOT-unset} $PATH"')


def shown(output):
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def test_modulefile_under_lmod_sets_path_manpath_completion_and_the_root(installed, elsewhere):
    prefix, _ = installed
    result = lmod(f"module use {prefix}/share/modulefiles; module avail 2>&1; {LOAD_AND_SHOW}", elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"multitarefas/{version()}" in result.stdout
    values = shown(result.stdout)
    assert values["root"] == str(prefix)
    assert values["cube_omp"] == str(prefix / "bin/cube_omp")
    assert f"cube_omp (multitarefas) {version()}" in result.stdout
    assert values["page"] == str(prefix / "share/man/man1/cube_omp.1")
    assert values["ls"].startswith("/usr/share/man/"), "the system's pages are still found"
    assert values["xdg"].split(":")[0] == str(prefix / "share")
    assert values["after"] == "unset /usr/bin:/bin", "unloading removes what loading added"


def test_modulefile_linked_into_a_site_folder_finds_its_prefix(installed, elsewhere):
    """An administrator links the modulefile into the site's module folder: it still finds its own prefix."""
    prefix, _ = installed
    site = elsewhere / "site-modulefiles" / "multitarefas"
    site.mkdir(parents=True)
    (site / version()).symlink_to(prefix / "share/modulefiles/multitarefas" / version())
    result = lmod(f"module use {site.parent}; {LOAD_AND_SHOW}", elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    assert shown(result.stdout)["cube_omp"] == str(prefix / "bin/cube_omp")
