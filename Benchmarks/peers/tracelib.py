"""Shared helpers for the Python peer benchmarks (pycrdt_replay.py, loro_replay.py).

Trace format (shared/traces/README.md): gzip'd JSON
{startContent, endContent, txns: [{patches: [[pos, delCount, insText], ...]}]}, positions in
Unicode scalars (= UTF-16 units: no trace has a character above U+FFFF), each patch applied
to the result of the previous one.
"""

import argparse
import gc
import gzip
import json
import os
import sys
import time

# A fixed client/peer id makes encoded sizes reproducible. It takes 5 bytes as a varUint,
# like 15 of 16 random 32-bit ids (and like the anchors in traces/README.md).
CLIENT_ID = 2654435769


def parse_args(prog: str, description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--traces", required=True, help="folder of *.json.gz traces (or one with a sequential/ subfolder)")
    p.add_argument("--runs", type=int, default=3, help="timed runs of replay and of load (default 3)")
    p.add_argument("--only", help="one trace name, e.g. automerge-paper")
    a = p.parse_args()
    if a.runs < 1:
        p.error("--runs must be at least 1")
    return a


def trace_files(folder: str, only: str | None) -> list[tuple[str, str]]:
    seq = os.path.join(folder, "sequential")
    if os.path.isdir(seq):
        folder = seq
    names = sorted(f for f in os.listdir(folder) if f.endswith(".json.gz"))
    if only:
        names = [f for f in names if f in (only, only + ".json.gz")]
    if not names:
        print(f"no trace{' named ' + only if only else ''} in {folder}", file=sys.stderr)
        sys.exit(2)
    return [(f[: -len(".json.gz")], os.path.join(folder, f)) for f in names]


def load_trace(path: str) -> dict:
    with gzip.open(path, "rb") as f:
        return json.loads(f.read())


def patches(trace: dict) -> list[tuple[int, int, str]]:
    """All patches in order, as (pos, delete count, inserted text)."""
    return [(p[0], p[1], p[2]) for txn in trace["txns"] for p in txn["patches"]]


def timed(fn):
    """(milliseconds, result) of fn(), with Python's cyclic GC off while it runs."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter_ns()
        result = fn()
        return (time.perf_counter_ns() - t0) / 1e6, result
    finally:
        gc.enable()


def ms3(x: float) -> float:
    return round(x, 3)


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()
