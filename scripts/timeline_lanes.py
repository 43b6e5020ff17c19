#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Turn a timeline (--timeline FILE.json or FILE.csv) into the boxes scripts/timeline-plot.sh draws.

Usage: timeline_lanes.py FILE OUT_DATA OUT_META
OUT_DATA gets one line per event: lane, start_s, end_s, colour index (0 square, 1 cube, 2 download,
3 failed), the lane's name and the event's label (the two as quoted data fields, which gnuplot reads
as text), then the share of the event's time its thread spent on a CPU (cpu_s over its span, 0 to 1;
-1 where the trace has no cpu_s). A lane is a worker (rank, thread); where a worker's events overlap
(download --mode multi), each overlapping transfer gets a lane of its own under that worker.
OUT_META gets one JSON object (scripts/record.py reads it): title (what ran, its time, ideal and ratio,
how many CPUs it kept busy; on a line of its own, other work on a busy machine), ideal_s (null without a model), wall_s,
lanes (how many), drawn (what the picture holds, for its key, as words: the operations drawn, square cube
download failed, then computing where some box is filled a tenth or more, waiting where some is mostly hollow,
unmeasured where some event has no CPU time). Exit status: 2 when FILE is not a
timeline written by --timeline.
"""
import csv
import json
import sys

COLOURS = {"square": 0, "cube": 1, "download": 2}
COLOUR_NAMES = ["square", "cube", "download", "failed"]
# Other work that kept at least this many CPUs busy during the run makes the title say so (the programs'
# summary uses the same threshold, MT_MACHINE_BUSY_CPUS).
MACHINE_BUSY_CPUS = 0.5


def read_events(path):
    """(rank, thread, start, end, op, label, failed) tuples, and the run's description."""
    meta = {"program": "", "mode": "", "wall_s": None, "ideal_s": None, "cpus_busy": None, "machine_busy": None,
            "hosts": {}}
    events = []
    if path.endswith(".json"):
        with open(path) as f:
            document = json.load(f)
        meta.update({k: v for k, v in document.get("otherData", {}).items() if k in meta})
        begins = {}
        for e in document["traceEvents"]:
            if e["ph"] == "M" and e["name"] == "process_name":
                meta["hosts"][e["pid"]] = e["args"]["name"]
            elif e["ph"] == "X":
                events.append((e["pid"], e["tid"], e["ts"] / 1e6, (e["ts"] + e["dur"]) / 1e6, e.get("cat", ""),
                               e["name"], failed(e.get("args", {})), cpu_of(e.get("args", {}))))
            elif e["ph"] == "b":
                begins[(e["pid"], e["id"])] = e
            elif e["ph"] == "e":
                b = begins.pop((e["pid"], e["id"]))
                events.append((b["pid"], b["tid"], b["ts"] / 1e6, e["ts"] / 1e6, b.get("cat", ""), b["name"],
                               failed(b.get("args", {})), cpu_of(b.get("args", {}))))
    else:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                label = row["url"] or f'{row["op"]} {row["value"]}'
                status = int(row["http_status"]) if row["http_status"] else None
                cpu = float(row["cpu_s"]) if row.get("cpu_s") else None
                events.append((int(row["rank"]), int(row["thread"]), float(row["start_s"]), float(row["end_s"]),
                               row["op"], label, status is not None and not 200 <= status < 300, cpu))
                meta["hosts"].setdefault(int(row["rank"]), f'rank {row["rank"]} on {row["host"]}')
    for key in ("wall_s", "ideal_s", "cpus_busy", "machine_busy"):  # numbers, or the file is not a timeline
        if meta[key] is not None:
            meta[key] = float(meta[key])
    meta["program"], meta["mode"] = str(meta["program"]), str(meta["mode"])
    return events, meta


def cpu_of(args):
    """An event's CPU seconds, or None where the trace has none (older traces)."""
    cpu = args.get("cpu_s")
    return None if cpu is None else float(cpu)


def cpu_share(start, end, cpu):
    """The share of an event's time its thread spent on a CPU, 0 to 1; -1 when not measured."""
    if cpu is None:
        return -1.0
    return min(max(cpu / (end - start), 0.0), 1.0) if end > start else 0.0


def failed(args):
    status = args.get("http_status")
    return status is not None and not 200 <= status < 300


def data_string(text):
    """TEXT as one double-quoted field of a gnuplot data file (data, never code): a double quote or a
    line break inside would end the field, so they become a single quote and a space."""
    return '"' + " ".join(str(text).replace('"', "'").split()) + '"'


def main():
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        print("usage: timeline_lanes.py TIMELINE DATA_OUT META_OUT (timeline-plot.sh's helper: the lanes of a "
              "timeline as gnuplot data)", file=sys.stderr)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    source, data_path, meta_path = sys.argv[1:4]
    try:
        events, meta = read_events(source)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        print(f"timeline_lanes: error: '{source}' is not a timeline written by --timeline ({error})", file=sys.stderr)
        return 2
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    ranks = {e[0] for e in events}
    lanes, lane_names, lane_ends = {}, [], []
    rows = []
    shares = []
    for rank, thread, start, end, op, label, bad, cpu in events:
        worker = (rank, thread)
        own = lanes.setdefault(worker, [])
        lane = next((index for index in own if lane_ends[index] <= start + 1e-9), None)
        if lane is None:
            lane = len(lane_names)
            own.append(lane)
            lane_ends.append(end)
            name = f"r{rank} t{thread}" if len(ranks) > 1 else f"thread {thread}"
            if len(own) > 1 or op == "download":
                name += f" slot {len(own) - 1}"
            lane_names.append(name)
        lane_ends[lane] = end
        colour = 3 if bad else COLOURS.get(op, 1)
        share = cpu_share(start, end, cpu)
        shares.append(share)
        rows.append(f"{lane} {start:.9f} {end:.9f} {colour} {data_string(lane_names[lane])} {data_string(label)} "
                    f"{share:.4f}")
    with open(data_path, "w") as f:
        f.write("\n".join(rows) + "\n")
    wall = meta["wall_s"] if meta["wall_s"] is not None else max((e[3] for e in events), default=0)
    name = f'{meta["program"]} {meta["mode"]}'.strip() or "timeline"
    workers = len({e[:2] for e in events})
    title = f'{name}: {workers} worker{"" if workers == 1 else "s"}, {wall:.3f} s'
    if meta["ideal_s"]:
        title += f', ideal {meta["ideal_s"]:.3f} s, ratio {wall / meta["ideal_s"]:.3f}'
    if meta["cpus_busy"] is not None:
        title += f'; {meta["cpus_busy"]:.2f} CPUs busy'
    if meta["machine_busy"] is not None and meta["machine_busy"] >= MACHINE_BUSY_CPUS:
        title += f'\nmachine busy: other work used {meta["machine_busy"]:.1f} CPUs'
    measured = [share for share in shares if share >= 0]
    colours = {int(row.split()[3]) for row in rows}
    drawn = [name for index, name in enumerate(COLOUR_NAMES) if index in colours]
    drawn += [word for word, present in (("computing", any(share >= 0.1 for share in measured)),
                                         ("waiting", any(share < 0.5 for share in measured)),
                                         ("unmeasured", len(measured) < len(shares))) if present]
    with open(meta_path, "w") as f:
        json.dump({"title": title.strip(), "ideal_s": meta["ideal_s"] or None, "wall_s": wall,
                   "lanes": len(lane_names), "drawn": " ".join(drawn)}, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
