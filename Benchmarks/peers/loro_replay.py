#!/usr/bin/env python3
"""Peer benchmark: replays sequential editing traces in Loro (the `loro` PyPI package).

    .venv/bin/python Benchmarks/peers/loro_replay.py --traces DIR --runs N [--only NAME]

LoroText.insert/delete take UNICODE SCALAR positions and lengths (checked: in "a😀b",
len_unicode 3, len_utf8 6, len_utf16 4, and insert(2, "X") gives "a😀Xb"), the trace's own
unit, so no conversion is needed. One commit per patch (Loro's transaction), peer id
2654435769, Loro's defaults otherwise (it keeps the whole history; consecutive commits by
one peer are merged into one change record, which is Loro's design).
Prints one JSON line per trace:
  {"system":"loro","version":..,"trace":..,"ops":patches,"replay_ms":[per run],
   "encode_v1_bytes":snapshot bytes,"encode_v2_bytes":null,"encode_updates_bytes":n,
   "load_ms":[per run],"load_read_ms":[per run],"final_ok":bool,"note":..}
replay_ms: fresh doc -> last patch committed (text not read back).
encode_v1_bytes: size of the full snapshot (ExportMode.Snapshot: history + state);
encode_updates_bytes: size of all updates (ExportMode.Updates: history only).
load_ms: LoroDoc.import_ of the snapshot into a fresh doc. Loro decodes the document
state lazily, so load_read_ms (import + reading the whole text) is the fair comparison
with a full Yjs load.
Exit status 1 if any replay or load did not reproduce endContent.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loro  # noqa: E402
from loro import ExportMode, LoroDoc, VersionVector  # noqa: E402

import tracelib  # noqa: E402


def replay(start: str, ops):
    doc = LoroDoc()
    doc.peer_id = tracelib.CLIENT_ID
    text = doc.get_text("text")
    commit = doc.commit
    insert = text.insert
    delete = text.delete
    if start:
        insert(0, start)
        commit()
    for pos, dele, ins in ops:
        if dele:
            delete(pos, dele)
        if ins:
            insert(pos, ins)
        commit()
    return doc, text


def load_and_read(snapshot: bytes):
    """(ms to import, ms to import and read the text, text)"""
    doc = LoroDoc()
    t0 = time.perf_counter_ns()
    doc.import_(snapshot)
    t1 = time.perf_counter_ns()
    s = doc.get_text("text").to_string()
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, (t2 - t0) / 1e6, s


def main() -> int:
    args = tracelib.parse_args("loro_replay.py", "Replay editing traces in Loro.")
    all_ok = True
    for name, path in tracelib.trace_files(args.traces, args.only):
        trace = tracelib.load_trace(path)
        ops = tracelib.patches(trace)
        final_ok = True
        replay_ms = []
        doc = None
        for _ in range(args.runs):
            doc = text = None
            ms, (doc, text) = tracelib.timed(lambda: replay(trace["startContent"], ops))
            replay_ms.append(tracelib.ms3(ms))
            final_ok = final_ok and text.to_string() == trace["endContent"]
        snapshot = doc.export(ExportMode.Snapshot())
        updates = doc.export(ExportMode.Updates(VersionVector()))
        doc = text = None
        load_ms, load_read_ms = [], []
        for _ in range(args.runs):
            _, (lms, lrms, s) = tracelib.timed(lambda: load_and_read(snapshot))
            load_ms.append(tracelib.ms3(lms))
            load_read_ms.append(tracelib.ms3(lrms))
            final_ok = final_ok and s == trace["endContent"]
        all_ok = all_ok and final_ok
        tracelib.emit({
            "system": "loro",
            "version": f"loro {getattr(loro, 'LORO_VERSION', '?')}",
            "trace": name,
            "ops": len(ops),
            "replay_ms": replay_ms,
            "encode_v1_bytes": len(snapshot),
            "encode_v2_bytes": None,
            "encode_updates_bytes": len(updates),
            "load_ms": load_ms,
            "load_read_ms": load_read_ms,
            "final_ok": final_ok,
            "note": "encode_v1_bytes is Loro's snapshot (not a Yjs format); load_ms is a lazy import "
                    "(state decoded on first read, see load_read_ms); scalar positions, one commit per patch",
        })
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
