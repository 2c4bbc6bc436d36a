#!/usr/bin/env python3
"""Peer benchmark: replays sequential editing traces in yrs, through pycrdt.

    .venv/bin/python Benchmarks/peers/pycrdt_replay.py --traces DIR --runs N [--only NAME]

One yrs transaction per patch, full history kept (Doc(skip_gc=True)), client id 2654435769.
Prints one JSON line per trace:
  {"system":"yrs","version":..,"trace":..,"ops":patches,"replay_ms":[per run],
   "encode_v1_bytes":n,"encode_v2_bytes":null,"load_ms":[per run],"load_read_ms":[per run],
   "convert_ms":t,"final_ok":bool,"note":..}
replay_ms: fresh doc -> last patch applied (text not read back).
load_ms: Doc.apply_update of the full-history v1 update into a fresh doc;
load_read_ms: the same plus reading the whole text.
encode_v2_bytes is null: pycrdt 0.14 has no v2 encoder.
Exit status 1 if any replay or load did not reproduce endContent.

Offsets: pycrdt's Text counts UTF-8 BYTES (yjs-wire.md section 11, pitfall 1), trace
positions count scalars. The conversion depends only on the trace, not on the CRDT, so it is
done once before timing (ByteOffsets below: a chunked copy of the text with a cursor, a few
microseconds per patch) and its cost is reported separately as convert_ms, NOT included
in replay_ms. ASCII-only traces need no conversion (convert_ms 0).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pycrdt  # noqa: E402
from pycrdt import Doc, Text  # noqa: E402

import tracelib  # noqa: E402


class ByteOffsets:
    """Scalar -> UTF-8 byte offsets for a text under edit.

    The text is kept as chunks of at most ~2*CHUNK scalars with their scalar and byte
    lengths; a cursor (chunk index, scalar start, byte start) follows the edits, which in
    real traces stay close to the previous one, so a lookup walks few chunks.
    """

    CHUNK = 256

    def __init__(self, text: str):
        c = self.CHUNK
        self.chunks = [text[i : i + c] for i in range(0, len(text), c)] or [""]
        self.slen = [len(x) for x in self.chunks]
        self.blen = [len(x.encode()) for x in self.chunks]
        self.ci = 0  # cursor chunk
        self.cs = 0  # scalar offset where it starts
        self.cb = 0  # byte offset where it starts

    def _seek(self, pos: int) -> None:
        while pos < self.cs:
            self.ci -= 1
            self.cs -= self.slen[self.ci]
            self.cb -= self.blen[self.ci]
        while pos > self.cs + self.slen[self.ci]:
            self.cs += self.slen[self.ci]
            self.cb += self.blen[self.ci]
            self.ci += 1  # IndexError past the end: the trace is inconsistent

    def byte(self, pos: int) -> int:
        self._seek(pos)
        c = self.chunks[self.ci]
        off = pos - self.cs
        return self.cb + (off if c.isascii() else len(c[:off].encode()))

    def insert(self, pos: int, s: str) -> None:
        self._seek(pos)
        i = self.ci
        off = pos - self.cs
        c = self.chunks[i]
        c = c[:off] + s + c[off:]
        if len(c) <= 2 * self.CHUNK:
            self.chunks[i] = c
            self.slen[i] = len(c)
            self.blen[i] += len(s.encode())
        else:  # split; the cursor chunk keeps its start, so cs/cb stay valid
            k = self.CHUNK
            parts = [c[j : j + k] for j in range(0, len(c), k)]
            self.chunks[i : i + 1] = parts
            self.slen[i : i + 1] = [len(x) for x in parts]
            self.blen[i : i + 1] = [len(x.encode()) for x in parts]

    def delete(self, pos: int, n: int) -> None:
        self._seek(pos)
        i = self.ci
        off = pos - self.cs
        while n > 0:
            c = self.chunks[i]
            take = min(n, len(c) - off)
            gone = c[off : off + take]
            self.chunks[i] = c[:off] + c[off + take :]
            self.slen[i] -= take
            self.blen[i] -= len(gone.encode())
            n -= take
            if n > 0:  # the rest starts at offset 0 of the next chunk
                if self.slen[i] == 0 and i != self.ci:
                    del self.chunks[i], self.slen[i], self.blen[i]
                else:
                    i += 1
                off = 0
        if i != self.ci and self.slen[i] == 0:
            del self.chunks[i], self.slen[i], self.blen[i]

    def text(self) -> str:
        return "".join(self.chunks)


def convert(trace: dict) -> tuple[list[tuple[int, int, str]], bool]:
    """Patches in UTF-8 byte offsets (start content first, as one insert); and whether
    the converter's own copy of the text ends equal to endContent."""
    ops = tracelib.patches(trace)
    start = trace["startContent"]
    head = [(0, 0, start)] if start else []
    if start.isascii() and all(ins.isascii() for _, _, ins in ops):
        return head + ops, True  # byte offsets are scalar offsets
    idx = ByteOffsets(start)
    out = []
    for pos, dele, ins in ops:
        b = idx.byte(pos)
        bdel = 0
        if dele:
            bdel = idx.byte(pos + dele) - b
            idx.delete(pos, dele)
        if ins:
            idx.insert(pos, ins)
        out.append((b, bdel, ins))
    return head + out, idx.text() == trace["endContent"]


def replay(ops):
    doc = Doc(client_id=tracelib.CLIENT_ID, skip_gc=True)
    text = doc.get("text", type=Text)
    transaction = doc.transaction
    for b, bdel, ins in ops:
        if bdel and ins:  # one transaction for the patch
            with transaction():
                del text[b : b + bdel]
                text.insert(b, ins)
        elif bdel:  # Text.__delitem__ / insert open a transaction themselves
            del text[b : b + bdel]
        elif ins:
            text.insert(b, ins)
    return doc, text


def load_and_read(update: bytes):
    """(ms to load, ms to load and read the text, text)"""
    doc = Doc(skip_gc=True)
    text = doc.get("text", type=Text)
    t0 = time.perf_counter_ns()
    doc.apply_update(update)
    t1 = time.perf_counter_ns()
    s = str(text)
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, (t2 - t0) / 1e6, s


def main() -> int:
    args = tracelib.parse_args("pycrdt_replay.py", "Replay editing traces in yrs (pycrdt).")
    all_ok = True
    for name, path in tracelib.trace_files(args.traces, args.only):
        trace = tracelib.load_trace(path)
        n_ops = sum(len(t["patches"]) for t in trace["txns"])
        ascii_only = trace["startContent"].isascii() and all(p[2].isascii() for t in trace["txns"] for p in t["patches"])
        convert_ms, (ops, conv_ok) = tracelib.timed(lambda: convert(trace))
        final_ok = conv_ok
        replay_ms = []
        doc = None
        for _ in range(args.runs):
            doc = text = None
            ms, (doc, text) = tracelib.timed(lambda: replay(ops))
            replay_ms.append(tracelib.ms3(ms))
            final_ok = final_ok and str(text) == trace["endContent"]
        v1 = doc.get_update()
        doc = text = None
        load_ms, load_read_ms = [], []
        for _ in range(args.runs):
            _, (lms, lrms, s) = tracelib.timed(lambda: load_and_read(v1))
            load_ms.append(tracelib.ms3(lms))
            load_read_ms.append(tracelib.ms3(lrms))
            final_ok = final_ok and s == trace["endContent"]
        all_ok = all_ok and final_ok
        tracelib.emit({
            "system": "yrs",
            "version": f"pycrdt {pycrdt.__version__}",
            "trace": name,
            "ops": n_ops,
            "replay_ms": replay_ms,
            "encode_v1_bytes": len(v1),
            "encode_v2_bytes": None,
            "load_ms": load_ms,
            "load_read_ms": load_read_ms,
            "convert_ms": tracelib.ms3(convert_ms),
            "final_ok": final_ok,
            "note": ("pycrdt Text offsets are UTF-8 bytes; scalar->byte conversion precomputed before timing "
                     + ("(not needed: ASCII-only trace)" if ascii_only else f"in {convert_ms:.1f} ms, NOT included in replay_ms")
                     + "; one transaction per patch, skip_gc; pycrdt has no v2 encoder"),
        })
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
