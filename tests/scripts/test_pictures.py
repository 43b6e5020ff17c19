# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The timeline pictures say what they show: a box is filled by the share of its time its thread computed (hollow
for work that waits, filled for work that computes: judged against each item's own CPU time, never an absolute
time), the key names only what is drawn, the title keeps the run's time, ideal and ratio under any caption, and a
busy machine is named in it."""
import json
import re
import shlex

import pytest

from conftest import BUILD_DIR, SCRIPTS, run

LANES = SCRIPTS / "timeline_lanes.py"
PYTHON = "/usr/bin/python3"


def program(name):
    path = BUILD_DIR / "omp" / name
    if not path.exists():
        pytest.skip(f"{name} is not built in {BUILD_DIR}")
    return path


def trace_of(tmp_path, name, *args):
    path = tmp_path / f"{name}.json"
    result = run([program(name), *args, "--timeline", path, "--quiet"], timeout=120)
    assert result.returncode == 0, result.stderr
    return path


def lanes(tmp_path, trace):
    """timeline_lanes.py's boxes (lane, start, end, colour, share) and its meta."""
    data, meta = tmp_path / "boxes.dat", tmp_path / "meta.json"
    result = run([PYTHON, LANES, trace, data, meta], timeout=60)
    assert result.returncode == 0, result.stderr
    boxes = []
    for line in data.read_text().splitlines():
        fields = shlex.split(line)
        boxes.append({"start": float(fields[1]), "end": float(fields[2]), "colour": int(fields[3]),
                      "share": float(fields[6])})
    return boxes, json.loads(meta.read_text())


def test_waiting_boxes_are_hollow_and_the_key_names_only_them(tmp_path):
    boxes, meta = lanes(tmp_path, trace_of(tmp_path, "square_cube", "--mode", "tasks", "-t", "8", "--delay", "0.05"))
    assert len(boxes) == 8 and max(box["share"] for box in boxes) < 0.2, boxes
    assert meta["drawn"].split() == ["square", "cube", "waiting"]
    assert re.search(r"ideal 0\.050 s, ratio \d+\.\d{3}; 0\.\d\d CPUs busy", meta["title"]), meta["title"]


def test_computing_boxes_are_filled_by_their_cpu_time(tmp_path):
    boxes, meta = lanes(tmp_path, trace_of(tmp_path, "cube_omp", "-t", "2", "--work", "spin", "--delay", "0.05"))
    # each box's filled length is its item's CPU time: spin work burns its delay, however busy the machine
    for box in boxes:
        assert box["share"] * (box["end"] - box["start"]) >= 0.95 * 0.05, box
    assert "computing" in meta["drawn"].split() and "square" not in meta["drawn"].split()


def test_a_busy_machine_is_named_in_the_title(tmp_path):
    trace = trace_of(tmp_path, "square_cube", "--delay", "0.01")
    document = json.loads(trace.read_text())
    for busy, named in ((1.5, True), (0.1, False)):
        document["otherData"]["machine_busy"] = busy
        trace.write_text(json.dumps(document))
        _, meta = lanes(tmp_path, trace)
        assert ("machine busy: other work used 1.5 CPUs" in meta["title"]) == named, meta["title"]


def test_older_traces_without_cpu_time_are_pale_not_hollow(tmp_path):
    trace = trace_of(tmp_path, "square_cube", "--delay", "0.01")
    document = json.loads(trace.read_text())
    for event in document["traceEvents"]:
        event.get("args", {}).pop("cpu_s", None)
    trace.write_text(json.dumps(document))
    boxes, meta = lanes(tmp_path, trace)
    assert all(box["share"] == -1 for box in boxes)
    assert meta["drawn"].split() == ["square", "cube", "unmeasured"]


def test_the_picture_keeps_its_numbers_under_a_caption_and_a_key_of_what_is_drawn(tmp_path):
    trace = trace_of(tmp_path, "square_cube", "--mode", "sections", "-t", "2", "--delay", "0.02")
    picture = tmp_path / "t.svg"
    result = run([SCRIPTS / "timeline-plot.sh", trace, "-o", picture, "--caption", "Two streams at once"],
                 timeout=120)
    assert result.returncode == 0, result.stderr
    svg = picture.read_text()
    assert "Two streams at once" in svg and re.search(r"ideal 0\.080 s, ratio \d", svg)
    for drawn in ("square", "cube", "hollow: off the CPU"):
        assert f">{drawn}<" in svg, drawn
    for absent in ("download", "failed", "filled: its CPU time"):
        assert f">{absent}<" not in svg, absent
