#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""record.py - read the programs' records for the scripts: fields, ratios, goals, tables and sweeps.

A record is what a program prints with --json (one JSON object) or with --csv (a header line and a
row). A CSV file may hold many records and several header lines (a sweep whose columns changed on
the way): each row belongs to the last header above it, and a header is a line whose first field is
the first header's first field (`program`). Any file that holds one JSON object is read as a record
too (a --timeline trace: otherData.wall_s). Python standard library only (json, csv).

Usage:
  record.py field FILE NAME... [--format FMT] [--default TEXT]
      the value of each NAME in FILE's record (a CSV's last row), one a line. A NAME reaches into
      JSON objects with dots (phases.scatter_s). Values print as the record spells them (true,
      false); null prints as an empty line. --format: a printf-style format for numbers (%.4f).
      An absent NAME is an error, unless --default gives the text to print in its place.
  record.py ratio A B [--digits N]
      A / B, two numbers, with N digits after the point (default 3)
  record.py goal VALUE (--at-most X | --at-least X)
      'yes' when the number VALUE meets the goal, else 'no'
  record.py table FILE... [--columns A,B,...] [--markdown] [--format FMT] [--goal COLUMN<=X]...
      every record of the FILEs (one per JSON file, one per CSV row), one a line, in aligned
      columns or as a markdown table; the columns default to the first record's. --format applies
      to the numbers with a fraction (times, ratios), not to counts. --goal adds a column that says
      whether COLUMN meets it (COLUMN<=X or COLUMN>=X): yes, or no (markdown: **no**), judged on
      the number as the table prints it.
  record.py append ROW_FILE CSV
      add the records of ROW_FILE (a program's --csv output) to the sweep CSV, which stays one table:
      one header, the columns of every record in order of first appearance (a program's own columns
      are empty in the other programs' rows). CSV is created when missing; nothing is written when
      ROW_FILE holds no record.

Fields may be of any length, JSON as deep as the programs nest it. Anything else is refused with one
line that says what it is: JSON that is not one object (a list of records, a number), JSON nested too
deeply, a CSV line the csv module refuses, a header and no row.

Exit status: 0 done; 2 a usage or input error (a file that holds no record, an absent field, a value
that is not a number), with one line on stderr.
"""
import argparse
import csv
import io
import json
import math
import os
import re
import sys

PROGRAM = "record.py"


class RecordError(Exception):
    """An input that is not what the command needs: one line for stderr, exit 2."""


def read_text(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as error:
        raise RecordError(f"cannot read '{path}': {getattr(error, 'strerror', None) or error}")


def raise_csv_field_limit():
    """Fields of any length: the csv module refuses a field over 128 KiB by default, and the programs write longer
    ones themselves (an environment value in the provenance)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # the C long of a platform where it is narrower than Py_ssize_t
            limit //= 2


def parse_csv(text, path):
    """The records of a CSV text: a list of (header, row) pairs, each row under the last header above it."""
    raise_csv_field_limit()
    records, header, marker = [], None, None
    reader = csv.reader(io.StringIO(text))
    try:
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if header is None or fields[0] == marker:
                header = fields
                marker = marker or fields[0]
                continue
            if len(fields) != len(header):
                raise RecordError(f"'{path}' line {reader.line_num}: {len(fields)} fields under a header of "
                                  f"{len(header)}")
            records.append(dict(zip(header, fields)))
    except csv.Error as error:
        raise RecordError(f"'{path}' line {reader.line_num}: not a CSV record: {error}")
    return records, header


JSON_KINDS = {list: "a JSON array", str: "a JSON string", int: "a JSON number", float: "a JSON number",
              bool: "a JSON true or false", type(None): "a JSON null"}


NOT_JSON = object()


def parse_json(text, path):
    """The JSON value of a text, or NOT_JSON when the text is not JSON. Nesting deeper than the parser can follow
    (far deeper than any record: the programs nest three levels) is refused, never a traceback."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return NOT_JSON
    except RecursionError:
        raise RecordError(f"'{path}' is JSON nested too deeply to be a record")


def read_records(path):
    """Every record of a file: [the JSON object], or the CSV's rows as dicts."""
    text = read_text(path)
    start = text.lstrip()
    if not start:
        raise RecordError(f"'{path}' is empty: no record")
    value = parse_json(text, path)
    if isinstance(value, dict):
        return [value]
    if value is not NOT_JSON or start[0] in "[{":
        # JSON, but not one object (a list of records, a number): say what it is rather than read it as CSV
        if value is NOT_JSON:
            try:
                json.loads(text)
            except json.JSONDecodeError as error:
                raise RecordError(f"'{path}' is not one JSON object: {error}")
        raise RecordError(f"'{path}' is {JSON_KINDS.get(type(value), 'JSON')}, not a record (one JSON object)")
    records, header = parse_csv(text, path)
    if not records:
        raise RecordError(f"'{path}' holds a header ({','.join(header)[:60]}) and no record")
    return records


MISSING = object()


def lookup(record, name):
    """The value of NAME in a record: a key, else a dotted path through JSON objects; MISSING if absent."""
    if name in record:
        return record[name]
    value = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def number(value, what):
    """A value as a float: a JSON number, or the text of one (a CSV cell, an argument)."""
    if isinstance(value, bool) or value is None:
        raise RecordError(f"{what} is not a number: {render(value)!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise RecordError(f"{what} is not a number: {value!r}")
    if math.isnan(result):
        raise RecordError(f"{what} is not a number: {value!r}")
    return result


def render(value, fmt=None, what="value"):
    """A value as the record spells it: true/false, null as nothing, objects as compact JSON."""
    if fmt is not None and value not in (None, ""):
        return fmt % number(value, what)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def fractional(value):
    """Whether a value is a number written with a fraction or an exponent (a time, a ratio; not a count)."""
    if isinstance(value, float):
        return True
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)\s*", value):
        return True
    return False


def check_format(fmt):
    if fmt is None:
        return None
    try:
        fmt % 1.5
    except (TypeError, ValueError):
        raise RecordError(f"--format '{fmt}' is not a format for one number (e.g. %.4f)")
    return fmt


def command_field(options):
    fmt = check_format(options.format)
    record = read_records(options.file)[-1]
    lines = []
    for name in options.names:
        value = lookup(record, name)
        if value is MISSING:
            if options.default is None:
                raise RecordError(f"'{options.file}' has no field '{name}'")
            lines.append(options.default)
            continue
        lines.append(render(value, fmt, f"{name} in '{options.file}'"))
    sys.stdout.write("".join(line + "\n" for line in lines))


def command_ratio(options):
    a, b = number(options.a, "the numerator"), number(options.b, "the denominator")
    if b == 0:
        raise RecordError(f"the denominator is zero ({options.a} / {options.b})")
    print(f"{a / b:.{options.digits}f}")


GOAL = re.compile(r"^\s*(.+?)\s*(<=|>=)\s*(\S+)\s*$")


def meets(value, operator, goal):
    return value <= goal if operator == "<=" else value >= goal


def command_goal(options):
    operator, goal = ("<=", options.at_most) if options.at_most is not None else (">=", options.at_least)
    print("yes" if meets(number(options.value, "the value"), operator, number(goal, "the goal")) else "no")


def judged(value, column, columns, fmt):
    """The number a goal is judged on: as the table prints it where it prints the column with a format, so the
    verdict on a line agrees with the number beside it (1.0200 meets <= 1.02, whatever the digits not shown)."""
    if fmt is not None and column in columns and fractional(value):
        return number(render(value, fmt), f"column {column}")
    return number(value, f"column {column}")


def command_table(options):
    fmt = check_format(options.format)
    goals = []
    for text in options.goal:
        match = GOAL.match(text)
        if not match:
            raise RecordError(f"--goal '{text}' is not COLUMN<=NUMBER or COLUMN>=NUMBER")
        goals.append((match.group(1), match.group(2), number(match.group(3), f"the goal in --goal '{text}'")))
    records = [record for path in options.files for record in read_records(path)]
    if options.columns is not None:
        columns = [c.strip() for c in options.columns.split(",") if c.strip()]
        if not columns:
            raise RecordError("--columns names no column")
    else:
        columns = list(records[0])
    header = columns + [f"{column} {operator} {goal:g}" for column, operator, goal in goals]
    rows = []
    for record in records:
        row = []
        for column in columns:
            value = lookup(record, column)
            row.append("" if value is MISSING else render(value, fmt if fractional(value) else None))
        for column, operator, goal in goals:
            value = lookup(record, column)
            if value is MISSING or value in (None, ""):
                row.append("")
            elif meets(judged(value, column, columns, fmt), operator, goal):
                row.append("yes")
            else:
                row.append("**no**" if options.markdown else "no")
        rows.append(row)
    if options.markdown:
        def cell(text):
            return text.replace("|", "\\|").replace("\n", " ")
        lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    else:
        widths = [max(len(line[i]) for line in [header] + rows) for i in range(len(header))]
        lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
                 for line in [header] + rows]
    sys.stdout.write("".join(line + "\n" for line in lines))


def command_append(options):
    text = read_text(options.row_file)
    if text.lstrip().startswith("{"):
        raise RecordError(f"'{options.row_file}' is a JSON record: append takes a program's --csv output")
    records, header = parse_csv(text, options.row_file)
    if not records:
        raise RecordError(f"'{options.row_file}' holds no record (a program's --csv output: a header and a row)")
    try:
        with open(options.csv, newline="", encoding="utf-8") as f:
            existing = f.read()
    except FileNotFoundError:
        existing = ""
    except (OSError, UnicodeDecodeError) as error:
        raise RecordError(f"cannot read '{options.csv}': {getattr(error, 'strerror', None) or error}")
    kept, _last = parse_csv(existing, options.csv) if existing.strip() else ([], None)
    # One table: the columns of every record so far, in order of first appearance. Programs share the common
    # columns and add their own (cube_mpi's transport), so a new program's row may bring new columns: the
    # table is written again with them, empty where a row has none.
    columns = []
    for record in kept + records:
        columns += [column for column in record if column not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rewrite = not kept or list(kept[-1]) != columns or any(list(r) != columns for r in kept)
    if rewrite:
        writer.writerow(columns)
        for record in kept:
            writer.writerow([record.get(column, "") for column in columns])
    elif not existing.endswith("\n"):
        out.write("\n")
    for record in records:
        writer.writerow([record.get(column, "") for column in columns])
    try:
        if rewrite:  # the whole table, written beside it and renamed over it: never half a table
            temporary = f"{options.csv}.{os.getpid()}.tmp"
            with open(temporary, "w", newline="", encoding="utf-8") as f:  # 0666 less the umask
                f.write(out.getvalue())
                if existing:  # a table replaced keeps its permissions
                    os.chmod(f.fileno(), os.stat(options.csv).st_mode & 0o777)
            os.replace(temporary, options.csv)
        else:
            with open(options.csv, "a", newline="", encoding="utf-8") as f:
                f.write(out.getvalue())
    except OSError as error:
        raise RecordError(f"cannot write '{options.csv}': {error.strerror or error}")


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in this tool's one-line form (exit 2)."""

    def error(self, message):
        print(f"{PROGRAM}: error: {message} (see {PROGRAM} --help)", file=sys.stderr)
        sys.exit(2)


def parser():
    top = Parser(prog=PROGRAM, description=__doc__.split("\n\n")[0].split(" - ", 1)[1],
                 epilog=__doc__.split("Usage:", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    field = commands.add_parser("field", help="the value of each NAME in FILE's record")
    field.add_argument("file", metavar="FILE")
    field.add_argument("names", metavar="NAME", nargs="+")
    field.add_argument("--format", metavar="FMT", help="a printf-style format for numbers (%%.4f)")
    field.add_argument("--default", metavar="TEXT", help="the text printed for an absent NAME")
    field.set_defaults(run=command_field)
    ratio = commands.add_parser("ratio", help="A / B")
    ratio.add_argument("a", metavar="A")
    ratio.add_argument("b", metavar="B")
    ratio.add_argument("--digits", type=int, default=3, choices=range(0, 13), metavar="N",
                       help="digits after the point (0 to 12; default 3)")
    ratio.set_defaults(run=command_ratio)
    goal = commands.add_parser("goal", help="whether VALUE meets a goal: yes or no")
    goal.add_argument("value", metavar="VALUE")
    bound = goal.add_mutually_exclusive_group(required=True)
    bound.add_argument("--at-most", metavar="X")
    bound.add_argument("--at-least", metavar="X")
    goal.set_defaults(run=command_goal)
    table = commands.add_parser("table", help="the records of the FILEs as a table")
    table.add_argument("files", metavar="FILE", nargs="+")
    table.add_argument("--columns", metavar="A,B,...", help="the columns (default: the first record's)")
    table.add_argument("--markdown", action="store_true", help="a markdown table")
    table.add_argument("--format", metavar="FMT", help="a printf-style format for numbers (%%.4f)")
    table.add_argument("--goal", action="append", default=[], metavar="COLUMN<=X",
                       help="a column saying whether COLUMN meets the goal (<= or >=); repeatable")
    table.set_defaults(run=command_table)
    append = commands.add_parser("append", help="add a --csv output's records to a sweep's CSV")
    append.add_argument("row_file", metavar="ROW_FILE")
    append.add_argument("csv", metavar="CSV")
    append.set_defaults(run=command_append)
    return top


def main(argv=None):
    options = parser().parse_args(argv)
    try:
        options.run(options)
    except RecordError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    except RecursionError:  # a value nested too deeply to print (a record read whole is checked as it is read)
        print(f"{PROGRAM}: error: a value nested too deeply to print", file=sys.stderr)
        return 2
    except BrokenPipeError:  # a reader that stopped early: its choice, not an error here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
