# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Every program's JSON record against the one schema, docs/record.schema.json (JSON Schema 2020-12, checked with
python3-jsonschema): each mode of square_cube, cube_omp, each transport of cube_mpi (a singleton and 2 ranks), each
mode of download (on the loopback image server, a failed transfer too). A record with a wrong type, a missing key or
a key no program makes fails. The CSV columns are the schema's scalar keys, and docs/programs.md documents every
column of common/record.c's mt_record_columns and every key of the schema."""
import copy
import json
import re

import pytest

from cases import record
from conftest import SOURCE_DIR, image_server, mpirun, run

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_PATH = SOURCE_DIR / "docs" / "record.schema.json"
PROGRAMS_MD = SOURCE_DIR / "docs" / "programs.md"
RECORD_C = SOURCE_DIR / "common" / "record.c"
TIMEOUT = 120
FAST = ("--delay", "0.001")


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid(validator, data):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == [], errors


def json_of(result):
    assert result.returncode in (0, 1), result.stderr
    return record(result.stdout)


@pytest.mark.parametrize("mode", ["seq", "sections", "tasks"])
@pytest.mark.parametrize("work", ["sleep", "spin", "none"])
def test_square_cube_records_validate(validator, mode, work):
    assert_valid(validator, json_of(run("square_cube", "--json", "-m", mode, "--work", work, *FAST, timeout=TIMEOUT)))


@pytest.mark.parametrize("args", [FAST, ("--work", "none", "--generate", "1000", "-r", "5"), ("--", "-3", "4")])
def test_cube_omp_records_validate(validator, args):
    assert_valid(validator, json_of(run("cube_omp", "--json", *args, timeout=TIMEOUT)))


@pytest.mark.parametrize("transport", ["scatter", "shared"])
@pytest.mark.parametrize("np_, extra", [(1, ()), (2, ()), (2, ("--chunk", "1", "-r", "5"))])
def test_cube_mpi_records_validate(validator, transport, np_, extra):
    args = ("--json", "--transport", transport, *FAST, *extra)
    result = run("cube_mpi", *args, timeout=TIMEOUT) if np_ == 1 else mpirun(np_, "cube_mpi", *args, timeout=TIMEOUT)
    data = json_of(result)
    assert_valid(validator, data)
    assert len(data["max_rss_mib_ranks"]) == np_


@pytest.fixture(scope="module")
def server():
    with image_server() as s:
        yield s


@pytest.mark.parametrize("mode", ["tasks", "multi"])
def test_download_records_validate(validator, server, tmp_path, mode):
    urls = [server.url(f"/images/schema-{i}.jpg") for i in range(3)]
    data = json_of(run("download", "--json", "-m", mode, "-o", tmp_path, *urls, timeout=TIMEOUT))
    assert data["valid"] is True
    assert_valid(validator, data)


def test_a_failed_download_record_validates_and_masks_its_password(validator, server, tmp_path):
    url = server.url("/missing/x.jpg").replace("http://", "http://ana:secret@")
    result = run("download", "--json", "-o", tmp_path, url, timeout=TIMEOUT)
    assert result.returncode == 1
    data = record(result.stdout)
    assert data["valid"] is False and data["times_s"] == []
    assert_valid(validator, data)
    assert "secret" not in json.dumps(data["command"]) and "ana:***@" in data["command"][-1]


# --- a record that is not one --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good():
    return json_of(run("cube_omp", "--json", *FAST, timeout=TIMEOUT))


@pytest.mark.parametrize("key, value", [("threads", "2"), ("cpu_s", "0.1"), ("valid", 1), ("times_s", 0.1),
                                        ("cpus_busy", -1.0), ("schema_version", 2), ("program", "cube"),
                                        ("command", []), ("serial_fraction", 1.5)])
def test_a_wrong_value_fails(validator, good, key, value):
    bad = copy.deepcopy(good)
    bad[key] = value
    assert list(validator.iter_errors(bad)), (key, value)


def test_a_missing_or_foreign_key_fails(validator, good):
    for broken in ({k: v for k, v in good.items() if k != "cpu_s"}, {**good, "imbalance": 1.0}, {**good, "x": 1}):
        assert list(validator.iter_errors(broken))


# --- one source: the columns, the schema and the documentation ----------------------------------------------------

def record_columns():
    """common/record.c's mt_record_columns, in order."""
    body = RECORD_C.read_text().split("mt_record_columns[] = {", 1)[1].split("NULL", 1)[0]
    return re.findall(r'"([a-z0-9_]+)"', body)


def documented_names():
    """Every `name` in docs/programs.md's record section."""
    text = PROGRAMS_MD.read_text()
    section = text.split("## The record", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z0-9_]+)`", section))


def test_the_schema_requires_every_column_in_order(validator):
    schema = validator.schema
    columns = record_columns()
    assert columns and all(column in schema["properties"] for column in columns)
    assert schema["required"][:len(columns)] == columns


def test_the_csv_columns_are_the_schema_scalars(validator, good):
    result = run("cube_omp", "--csv", *FAST, timeout=TIMEOUT)
    header = result.stdout.splitlines()[0].split(",")
    assert header == [key for key, value in good.items() if not isinstance(value, (dict, list))]
    assert header == record_columns()


def test_every_column_and_key_is_documented(validator):
    documented = documented_names()
    schema = validator.schema
    keys = set(schema["properties"]) | set(record_columns())
    for rule in schema["allOf"]:
        keys |= set(rule["then"]["properties"])
        for value in rule["then"]["properties"].values():
            keys |= set(value.get("properties", {}))
    missing = sorted(keys - documented)
    assert missing == [], f"docs/programs.md's record section does not name: {missing}"
