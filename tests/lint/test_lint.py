# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Formatting and the scripts' safety rules, over every file of the tree (ctest label lint):
  shellcheck     every shell script (found by extension or shebang: scripts/, bench/, tests/, .ci/run)
  flake8         every Python file (the root's .flake8)
  clang-format   every C file, --dry-run --Werror (the root's .clang-format; version 14)
  reuse          reuse lint: every file of the tree carries its licence and copyright (an SPDX header, or an
                 entry of .reuse/dep5 for the files that cannot hold one), and every licence named is in LICENSES/
  pipelines      no reader that can leave a pipe early (head, grep -q ...): under pipefail the writer's
                 SIGPIPE (exit 141) fails the whole script
  data as code   no eval, no generated file sourced, no gnuplot -e, no data pasted into the code an
                 interpreter runs (python -c "...$x...", unquoted here-documents fed to gnuplot)
Each failure names every offending file, with what the tool said."""
import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SKIPPED_DIRS = {".git", "__pycache__", ".pytest_cache", "node_modules", "out"}
SHELL_SUFFIXES = (".sh", ".bash", ".sbatch", ".pbs")
SHEBANG_SHELL = re.compile(rb"^#!\s*(/usr)?/bin/(env\s+)?(ba|da|k)?sh\b")
SHEBANG_PYTHON = re.compile(rb"^#!\s*(/usr)?/bin/(env\s+)?python")


def tree_files():
    """Every file of the tree, relative to it, leaving out build folders (build*/), .git and caches."""
    found = []
    for root, dirs, files in os.walk(SOURCE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("build"))
        for name in sorted(files):
            found.append(Path(root, name).relative_to(SOURCE_DIR))
    return found


def first_line(path):
    try:
        with open(SOURCE_DIR / path, "rb") as f:
            return f.readline()
    except OSError:
        return b""


def shell_files():
    return [p for p in tree_files() if p.suffix in SHELL_SUFFIXES or SHEBANG_SHELL.match(first_line(p))]


def python_files():
    return [p for p in tree_files() if p.suffix == ".py" or SHEBANG_PYTHON.match(first_line(p))]


def c_files():
    return [p for p in tree_files() if p.suffix in (".c", ".h")]


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (scripts/test.sh installs the lint group of scripts/lib.sh)")


def offenders(output, files):
    """The files of FILES named at the start of a line of OUTPUT (file:line:... in every tool's format)."""
    named = {line.split(":", 1)[0].strip() for line in output.splitlines()}
    return sorted(str(f) for f in files if str(f) in named or f"./{f}" in named)


def report(tool, bad, output):
    return f"{tool}: {len(bad)} file(s) to fix: {', '.join(bad)}\n{output}"


def test_the_tree_has_files_of_every_kind():
    """The finders see the tree (a wrong root would make every check below pass on nothing)."""
    shells = {str(p) for p in shell_files()}
    assert {"scripts/lib.sh", "scripts/test.sh", ".ci/run"} <= shells
    assert "scripts/record.py" in {str(p) for p in python_files()}
    assert any(str(p).startswith("common/") for p in c_files())


def test_shell_scripts_pass_shellcheck():
    need("shellcheck")
    files = shell_files()
    result = subprocess.run(["shellcheck", "-x", "-f", "gcc", *map(str, files)], capture_output=True, text=True,
                            timeout=240, cwd=SOURCE_DIR)
    bad = offenders(result.stdout, files)
    assert result.returncode == 0 and not bad, report("shellcheck", bad or ["?"], result.stdout + result.stderr)


def test_python_files_pass_flake8():
    need("flake8")
    files = python_files()
    result = subprocess.run(["flake8", *map(str, files)], capture_output=True, text=True, timeout=240,
                            cwd=SOURCE_DIR)
    bad = offenders(result.stdout, files)
    assert result.returncode == 0 and not bad, report("flake8", bad or ["?"], result.stdout + result.stderr)


def clang_format():
    for name in ("clang-format-14", "clang-format"):
        if shutil.which(name):
            return name
    pytest.skip("clang-format is not installed (scripts/test.sh installs the lint group of scripts/lib.sh)")


def test_c_files_pass_clang_format():
    tool = clang_format()
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout
    files = c_files()
    result = subprocess.run([tool, "--dry-run", "--Werror", "--style=file", *map(str, files)], capture_output=True,
                            text=True, timeout=240, cwd=SOURCE_DIR)
    bad = offenders(result.stderr, files)
    assert result.returncode == 0 and not bad, report(f"clang-format ({version.strip()})", bad or ["?"],
                                                      result.stderr[-6000:])


def test_every_file_passes_reuse_lint():
    need("reuse")
    if not (SOURCE_DIR / ".git").exists():
        pytest.skip("not a git checkout: reuse would read the build folders and every file left in the tree")
    result = subprocess.run(["reuse", "lint"], capture_output=True, text=True, timeout=240, cwd=SOURCE_DIR)
    assert result.returncode == 0, f"reuse lint: files without a licence or copyright\n{result.stdout[-6000:]}"


# --- the scripts' own rules --------------------------------------------------------------------------

def logical_lines(path):
    """(line number, text) of a shell file, continuation lines joined, comments and here-documents' bodies
    left out (a here-document's text is data, not commands)."""
    lines = (SOURCE_DIR / path).read_text(errors="replace").splitlines()
    result, number, heredoc = [], 0, None
    while number < len(lines):
        start, text = number + 1, lines[number]
        number += 1
        if heredoc is not None:
            if text.strip() == heredoc:
                heredoc = None
            continue
        while text.endswith("\\") and number < len(lines):
            text = text[:-1] + " " + lines[number]
            number += 1
        code = strip_comment(text)
        if not code.strip():
            continue
        match = re.search(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", code)
        if match and "<<<" not in code[max(0, match.start() - 1):match.start() + 3]:
            heredoc = match.group(2)
        result.append((start, code))
    return result


def strip_comment(text):
    """TEXT without its comment: a # at a word's start outside quotes."""
    quote = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                continue
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t;|&("):
            return text[:index]
    return text


def substitution_end(code, start):
    """The index of the ) that closes the command substitution whose body starts at START."""
    quote, depth, index = None, 0, start
    while index < len(code):
        char = code[index]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            index += 1
        elif quote == '"' and char == '"':
            quote = None
        elif char == "$" and code[index + 1:index + 2] == "(":
            index = substitution_end(code, index + 2)
        elif quote is None and char in "'\"":
            quote = char
        elif quote is None and char == "(":
            depth += 1
        elif quote is None and char == ")":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return len(code)


def commands(code):
    """The line with each command substitution $(...) left as $(), and the substitutions' bodies (which run
    as commands of their own, even inside double quotes), each split the same way."""
    outer, inner, index = "", [], 0
    quote = None
    while index < len(code):
        char = code[index]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            outer += code[index:index + 2]
            index += 2
            continue
        elif char == "$" and code[index + 1:index + 2] == "(":
            end = substitution_end(code, index + 2)
            body = code[index + 2:end]
            if body.startswith("("):  # $(( arithmetic ))
                body = ""
            inner.append(body)
            outer += "$()"
            index = end + 1
            continue
        elif quote == '"' and char == '"':
            quote = None
        elif quote is None and char in "'\"":
            quote = char
        outer += char
        index += 1
    lines = [outer]
    for body in inner:
        lines += commands(body)
    return lines


def pipeline_segments(code):
    """The commands after each unquoted pipe (|, not ||) of a line and of its command substitutions: the
    pipes' readers."""
    segments = []
    for line in commands(code):
        quote, current = None, None
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "|" and line[index + 1:index + 2] != "|" and line[index - 1:index] != "|":
                if current is not None:
                    segments.append(current)
                current = ""
                continue
            elif char == ")" and current is not None and len(current.split()) == 1 and current.strip() == current:
                current = None  # a case pattern's alternative (-h|--help), not a command
                continue
            elif char in ";)" or (char == "&" and line[index + 1:index + 2] != "&" and line[index - 1:index] != "&"):
                if current is not None:
                    segments.append(current)
                current = None
                continue
            elif char == "&" and current is not None:  # && ends the pipeline too
                segments.append(current)
                current = None
                continue
            if current is not None:
                current += char
        if current is not None:
            segments.append(current)
    return segments


EARLY = {
    "head": lambda args: True,
    "read": lambda args: True,
    "grep": lambda args: any(re.fullmatch(r"-[A-Za-z]*[qml][A-Za-z0-9]*", a) or
                             a.split("=")[0] in ("--quiet", "--silent", "--max-count", "--files-with-matches")
                             for a in args),
    "sed": lambda args: any(re.search(r"(^|[;{}\s\d/$])[qQ]\s*\d*\s*($|[;}])", a.strip("'\"")) for a in args),
    "awk": lambda args: any(re.search(r"\bexit\b", re.sub(r"\bEND\s*\{[^}]*\}", "", a)) for a in args),
}
EARLY["egrep"] = EARLY["fgrep"] = EARLY["grep"]
EARLY["gawk"] = EARLY["mawk"] = EARLY["awk"]


def early_readers(path):
    found = []
    for number, code in logical_lines(path):
        for segment in pipeline_segments(code):
            words = re.findall(r"'[^']*'|\"(?:[^\"\\\\]|\\\\.)*\"|\S+", segment)
            while words and (words[0] in ("!", "(", "{", "exec", "command") or re.match(r"^\w+=", words[0])):
                words.pop(0)
            if words and words[0] in EARLY and EARLY[words[0]](words[1:]):
                found.append(f"{path}:{number}: `|{segment.rstrip()}` may leave the pipe early")
    return found


def test_no_pipe_reader_leaves_early():
    """A reader that stops reading (head, read, grep -q/-m/-l, sed ...q, awk exit) kills its writer with
    SIGPIPE when the writer has more to say; under `set -o pipefail` the script then fails with 141.
    Read the whole output first (a variable, a file, a here-string), then match."""
    problems = [p for path in shell_files() for p in early_readers(path)]
    bad = sorted({p.split(":", 1)[0] for p in problems})
    assert not problems, report("pipelines", bad, "\n".join(problems))


def test_the_pipe_rule_sees_the_pattern():
    """The rule above finds what it looks for (so that its passing means something)."""
    cases = {"printf '%s\\n' \"$out\" | head -n 1": 1, "cmd | grep -q x": 1, "cmd | grep -Eq x": 1,
             "cmd | sed -n '1p;q'": 1, "cmd | awk '{ print; exit }'": 1, "cmd | read -r line": 1,
             "cmd | grep -c x": 0, "cmd | sed -n 2p": 0, "cmd | tail -n 1": 0, "a || head x": 0,
             "ip netns list | awk '$1 == n { f = 1 } END { exit !f }'": 0, "x=$(sort -g | sed -n 1p)": 0,
             "echo 'a | head'": 0, 'echo "$(cc --version | head -n1), x"': 1,
             'owns+=("$(sed -n "s/^E: //p" "$f" | head -1)")': 1, "x=$((1 | 2))": 0,
             'case $1 in -h|head) ;; esac': 0}
    for code, expected in cases.items():
        segments = pipeline_segments(code)
        hits = 0
        for segment in segments:
            words = re.findall(r"'[^']*'|\"(?:[^\"\\\\]|\\\\.)*\"|\S+", segment)
            if words and words[0] in EARLY and EARLY[words[0]](words[1:]):
                hits += 1
        assert hits == expected, (code, segments)


# A sourced file must be one of the tree's scripts: a path beside the script or under MT_ROOT, ending in .sh, or the
# batch templates' MT_JOB_LIB (the scripts/slurm folder of a checkout or an installation, where job_lib.sh is).
TREE_SCRIPT = r'(--\s+)?"(\$\(dirname (--\s+)?"\$\{BASH_SOURCE\[0\]\}"\)|\$MT_ROOT|\$MT_JOB_LIB)/[\w./-]+\.sh"\s*$'
INTERPRETER = r'(python3?|"?\$\{?py(thon)?\}?"?|\bmt_python\)"?|\bbash|\bsh|\bawk|\bperl)'
DATA_AS_CODE = [
    (re.compile(r"(^|[;&|({]\s*|\s)eval\s"), "eval runs text as shell code"),
    (re.compile(r"\bgnuplot\b.*\s-e\s"), "gnuplot -e: pass values as arguments (gnuplot -c FILE ARG...)"),
    (re.compile(r"(^\s*|[;&|({]\s*)(source|\.)\s+(?!" + TREE_SCRIPT + ")"),
     "sources a file that is not one of the tree's scripts"),
    (re.compile(INTERPRETER + r'\s+(-c|-e)\s+"[^"]*\$'),
     "pastes a shell value into code given with -c/-e: pass it as an argument"),
    (re.compile(INTERPRETER + r"\s+-c\s+'[^']*\b(eval|exec)\("), "runs text as Python code (eval, exec)"),
    (re.compile(r"(\bgnuplot\b|\bpython3?\b|\$py\b|\bbash\b|\bsh\b|\bawk\b|>\s*\S+\.(sh|gp|py)\b\"?)"
                r"[^<]*<<-?\s*[A-Za-z_]"),
     "an unquoted here-document pastes shell values into code"),
]


def data_as_code(path):
    found = []
    for number, code in logical_lines(path):
        for pattern, why in DATA_AS_CODE:
            if pattern.search(code):
                found.append(f"{path}:{number}: {why}: {code.strip()}")
    return found


def python_runs_text(path):
    """Calls of a Python file that run text as code: eval, exec, os.system, os.popen, shell=True."""
    try:
        tree = ast.parse((SOURCE_DIR / path).read_text(errors="replace"), str(path))
    except SyntaxError as error:
        return [f"{path}:{error.lineno}: does not parse: {error.msg}"]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name in ("eval", "exec", "os.system", "os.popen") or any(
                k.arg == "shell" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                for k in node.keywords):
            found.append(f"{path}:{node.lineno}: runs text as code: {ast.unparse(node)[:100]}")
    return found


def test_no_data_becomes_code():
    """Program names, titles, file names and paths reach the shell, Python and gnuplot as data: quoted by a
    library, passed as arguments, or written to data files, never pasted into code that runs."""
    problems = [p for path in shell_files() for p in data_as_code(path)]
    for path in [p for p in tree_files() if p.suffix == ".gp"]:
        for number, line in enumerate((SOURCE_DIR / path).read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if "system(" in code or "`" in code or re.search(r"@[A-Za-z_]", code):
                problems.append(f"{path}:{number}: gnuplot runs a command or a macro: {line.strip()}")
    for path in python_files():
        problems += python_runs_text(path)
    bad = sorted({p.split(":", 1)[0] for p in problems})
    assert not problems, report("data as code", bad, "\n".join(problems))


def test_the_data_rule_sees_the_pattern():
    cases = {'eval "$x"': 1, 'gnuplot -e "dir=\'$out\'" plot.gp': 1, 'source "$work/meta.sh"': 1,
             '. "$tmp/vars"': 1, '"$py" -c "print(2 * $copy1)"': 1, 'gnuplot <<GNUPLOT': 1,
             'cat >"$dir/agent.sh" <<AGENT': 1, 'source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"': 0,
             'source "$MT_ROOT/scripts/slurm/job_lib.sh"': 0, "gnuplot -c plot.gp \"$out\"": 0,
             'source -- "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"': 0, 'source -- "$MT_ROOT/scripts/lib.sh"': 0,
             'source -- "$work/meta.sh"': 1,
             "\"$py\" -c 'import sys; print(sys.argv[1])' \"$x\"": 0, "cat <<'USAGE'": 0,
             'x=$(mt_record field "$f" time_s)': 0,
             "f() { \"$py\" -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' \"$1\"; }": 1}
    for code, expected in cases.items():
        hits = sum(1 for pattern, _ in DATA_AS_CODE if pattern.search(code))
        assert hits == expected, code


# --- paths that start with '-' ------------------------------------------------------------------------

# A file command given a variable must end its options first: `mkdir -p "$out"` with out=-x makes nothing and
# fails on the option -x; `mkdir -p -- "$out"` makes the folder. The scripts a user runs (scripts/, the batch
# jobs, bench/, the fuzz runner) also turn such a path into ./-x as they parse it (lib.sh's mt_path), for the
# commands that take no '--' (cmake, gnuplot, argparse).
PATH_COMMANDS = re.compile(r"(^|[;&|({`']\s*|\$\(\s*|\s)(dirname|basename|mkdir|rm|cp|mv)((\s+-[A-Za-z]+)*)\s+\"?\$")
PATH_SCRIPT_FOLDERS = ("scripts/", "bench/", "tests/fuzz/")


def options_before_paths(path):
    return [f"{path}:{number}: `{match.group(2)}` on a variable without `--`: {code.strip()}"
            for number, code in logical_lines(path) for match in [PATH_COMMANDS.search(code)] if match]


def test_file_commands_end_their_options_before_a_variable_path():
    """dirname, basename, mkdir, rm, cp and mv on a variable write `--` first, in every script a user runs."""
    scripts = [p for p in shell_files() if str(p).startswith(PATH_SCRIPT_FOLDERS)]
    assert scripts, "no script found"
    problems = [p for path in scripts for p in options_before_paths(path)]
    bad = sorted({p.split(":", 1)[0] for p in problems})
    assert not problems, report("paths that start with '-'", bad, "\n".join(problems))


def test_the_path_rule_sees_the_pattern():
    cases = {'mkdir -p "$out"': 1, 'dir=$(dirname "$1")': 1, 'rm -rf "$work"': 1, 'cp "$a" "$b"': 1,
             'x && mv "$tmp" "$csv"': 1, "trap 'rm -f $x' EXIT": 1, 'basename "$(mt_mpiexec)"': 1,
             'mkdir -p -- "$out"': 0, 'dir=$(dirname -- "$1")': 0, 'rm -rf -- "$work"': 0, 'cp -- "$a" "$b"': 0,
             'mkdir -p "$MT_ROOT/docs"': 1, 'mkdir results': 0, 'echo "$rm"': 0, 'rm -f file.txt': 0}
    for code, expected in cases.items():
        assert (1 if PATH_COMMANDS.search(code) else 0) == expected, code
