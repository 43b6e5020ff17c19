#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""completion.py - write the bash completion of the suite's programs from their own --help, at build time, so
an option or a value added to a program's table needs no second list here.

Usage: completion.py OUTPUT HELP.txt...   (each HELP.txt is a program's --help, named after the program)

From each --help: every option (the option lines, their continuation lines, and aliases named there such as
-V, --version), the value each one takes (its name in --help: FILE and DIR complete paths), and the choices of
a value: the Modes section for --mode, else a help text that lists its choices ("sleep (...), spin (...) or
none", "scatter: ...; shared: ...")."""
import re
import sys
from pathlib import Path

OPTION_HEAD = re.compile(r"^\s+(?:(-[A-Za-z]), )?(--[a-z][\w-]*)(?: ([A-Z][A-Z_=]*))?(?:\s{2,}(.*))?$")
ALIAS = re.compile(r"(?:^|\s)(-[A-Za-z]), (--[a-z][\w-]*)")
LONG = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")
PATH_VALUES = {"FILE": "file", "DIR": "dir"}


def choices(text):
    """The choices a help text lists at its start, or []."""
    named = re.findall(r"(?:^|; )([a-z][\w-]*): ", text)
    if len(named) >= 2:
        return named
    bare = re.sub(r" \([^()]*\)", "", text)  # "sleep (the original's), spin (...) or none" -> "sleep, spin or none"
    listed = re.match(r"^([a-z][\w-]*)((?:, [a-z][\w-]*)*),? or ([a-z][\w-]*)\b", bare)
    if listed:
        return [listed.group(1)] + re.findall(r"[a-z][\w-]*", listed.group(2)) + [listed.group(3)]
    return []


def parse(help_text):
    """(options, {option spelling: (kind, words)}) of one program's --help."""
    lines = help_text.splitlines()
    options, values = set(), {}
    current = None  # [spellings, value name, help text] of the option being read
    entries = []
    modes, in_modes = [], False
    for line in lines:
        if line.startswith("Modes (") and "--mode" in line:
            in_modes = True
            entries.append([[*re.findall(r"(-[A-Za-z]), --mode", line), "--mode"], "MODE", ""])
            continue
        if in_modes:
            mode = re.match(r"^  ([a-z][\w-]*)\s{2,}", line)
            if mode:
                modes.append(mode.group(1))
                continue
            if not line.strip():
                in_modes = False
            continue
        head = OPTION_HEAD.match(line)
        if head and line.lstrip().startswith("-"):
            current = [[s for s in head.group(1, 2) if s], head.group(3), head.group(4) or ""]
            entries.append(current)
        elif current and re.match(r"^\s{20,}\S", line):
            current[2] += " " + line.strip()
        else:
            current = None
            continue
        options.update(LONG.findall(line))
        for short, long in ALIAS.findall(line):
            options.update((short, long))
    for spellings, value, text in entries:
        options.update(spellings)
        if value is None:
            continue
        if "--mode" in spellings and modes:
            kind, words = "words", modes
        elif value in PATH_VALUES:
            kind, words = PATH_VALUES[value], []
        else:
            words = choices(text)
            kind = "words" if words else "none"
        for spelling in spellings:
            values[spelling] = (kind, words)
    return sorted(options), values


def program_case(name, help_text):
    options, values = parse(help_text)
    out = [f"    {name})", f"      options='{' '.join(options)}'", '      case $prev in']
    by_value = {}
    for spelling, value in values.items():
        by_value.setdefault(value[0:1] + tuple(value[1]), []).append(spelling)
    for value, spellings in sorted(by_value.items()):
        kind, words = value[0], " ".join(value[1:])
        out.append(f"        {'|'.join(sorted(spellings))}) kind={kind} words='{words}' ;;")
    out += ["      esac", "      ;;"]
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    output, helps = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    names = [h.stem for h in helps]
    for name in names:
        if not re.fullmatch(r"[a-z_]+", name):
            sys.exit(f"completion.py: error: '{name}' is not a program's name")
    lines = [
        "# bash completion of multitarefas's programs (" + ", ".join(names) + "): every option, and the",
        "# values of those that take a list (modes, kinds of work, transports...). Generated at build time from",
        "# the programs' own --help by packaging/completion.py: do not edit.",
        "# shellcheck shell=bash",
        "_multitarefas() {",
        '  local cur=${COMP_WORDS[COMP_CWORD]} prev="" options="" kind="" words="" i',
        "  COMPREPLY=()",
        '  [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}',
        "  # --name=value: bash splits it at '=' (COMP_WORDBREAKS)",
        '  if [ "$cur" = "=" ]; then cur=""; elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then',
        "    prev=${COMP_WORDS[COMP_CWORD - 2]}",
        "  fi",
        '  for ((i = 1; i < COMP_CWORD; i++)); do [ "${COMP_WORDS[i]}" != "--" ] || return 0; done',
        "  case ${COMP_WORDS[0]##*/} in",
    ]
    for help_path in helps:
        lines += program_case(help_path.stem, help_path.read_text())
    lines += [
        "    *) return 0 ;;",
        "  esac",
        "  case $kind in",
        '    words) mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur"); return 0 ;;',
        '    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;',
        '    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;',
        "    none) return 0 ;;",
        "  esac",
        '  if [[ $cur == -* ]]; then mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur"); fi',
        "}",
        "complete -F _multitarefas " + " ".join(names),
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(".new")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.replace(output)


if __name__ == "__main__":
    main()
