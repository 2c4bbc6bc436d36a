#!/usr/bin/env python3
"""Differential oracle: replays a multi-peer YText session in yrs (via pycrdt).

The Swift tests describe a session once, run it through StetCRDT, through this oracle
and through yjs_oracle.cjs (same protocol), and compare texts, state vectors and bytes.

Protocol: ONE JSON document on stdin, ONE JSON document on stdout.

Session mode (default):
  in:  {"peers": [{"clientID": N}, ...],
        "root": "text",                      (optional, default "text")
        "gc": false,                         (optional, default false = full history kept)
        "finalSync": true|false,             (optional, default false)
        "events": [
          {"peer": i, "op": "insert",   "index": u16, "text": s}
          {"peer": i, "op": "delete",   "index": u16, "len": u16}
          {"peer": i, "op": "transact", "ops": [insert|delete without "peer", ...]}
          {"peer": i, "op": "deliver",  "update": k}
          {"peer": i, "op": "apply",    "hex": "..."}   (foreign v1 bytes, e.g. from Swift)
        ]}
  Every local insert/delete/transact yields exactly one update, numbered 0, 1, 2, ...
  in the order produced. An operation that changes nothing (delete of length 0, empty
  insert) yields the empty update "0000" so the numbering stays predictable.
  "deliver" applies update k (v1) to peer i; duplicates and any order are allowed
  (pending structs wait inside the doc). With "finalSync": true every update is applied
  to every peer at the end, in order 0..n-1.
  out: {"updates": [hex, ...],
        "peers": [{"clientID": N, "text": s, "stateVector": hex, "fullState": hex}, ...]}

Load mode:
  in:  {"mode": "load", "updates": [hex, ...], "root": "text"}
  out: {"text": s, "stateVector": hex, "fullState": hex}

Indices are UTF-16 code units, as in Yjs. pycrdt's Text counts UTF-8 BYTES
(yjs-wire.md section 11, pitfall 1), so every index is converted from the peer's
current text. An index that is out of range or splits a surrogate pair is an input
error. Errors: {"error": message} on stdout, exit status 2.

Known differences from yjs_oracle.cjs (pycrdt 0.14.13 against Debian's Yjs 13.5.43, found
by ~1,500 random 2-4 peer sessions with emoji, CJK, duplicated and reordered delivery;
produced update structs were byte-identical throughout):
  * delete sets inside updates and full states are written in ascending client order
    here, in Yjs's order there (yjs-wire.md section 11, pitfall 4): compare decoded;
  * out-of-order delivery is where yrs and Yjs part: (a) yrs already shows in the text a
    later struct of a client whose origins it knows although its clock leaves a gap (the
    state vector does not advance); Yjs keeps it pending; (b) when the gap is filled, yrs
    sometimes does not retry its other pending structs until a later update arrives, so
    its state vector stays behind Yjs's. Convergence after "finalSync" is unaffected.
    So: compare a peer's text with yrs only when its state vector (decoded) equals Yjs's
    and Yjs reports "pending": false, or after "finalSync"; and in sessions with
    out-of-order delivery do not derive later local indices from yrs's text (use Yjs's, and
    only for peers in that agreed state) or the two sessions diverge for a trivial reason.
    In causal-order sessions the two agree at every step.

Other invocations:
  --selftest   run a built-in session, print OK (exit 0) or the mismatch (exit 1)
  --lines      read one JSON document per line, answer one line each (keeps one
               process alive across many sessions; errors are answered, not fatal)
"""

import json
import sys

from pycrdt import Doc, Text

EMPTY_UPDATE = b"\x00\x00"  # v1: zero struct clients, zero delete-set clients


class OracleInputError(Exception):
    pass


def utf16_to_utf8(s: str, index: int) -> int:
    """UTF-8 byte offset of UTF-16 offset `index` in `s`."""
    if index < 0:
        raise OracleInputError(f"negative index {index}")
    if s.isascii():
        if index > len(s):
            raise OracleInputError(f"index {index} beyond text length {len(s)}")
        return index
    units = s.encode("utf-16-le")
    if 2 * index > len(units):
        raise OracleInputError(f"index {index} beyond UTF-16 length {len(units) // 2}")
    try:
        prefix = units[: 2 * index].decode("utf-16-le")
    except UnicodeDecodeError:
        raise OracleInputError(f"index {index} splits a surrogate pair") from None
    return len(prefix.encode("utf-8"))


class Peer:
    def __init__(self, client_id: int, root: str, gc: bool):
        self.client_id = client_id
        self.doc = Doc(client_id=client_id, skip_gc=not gc)
        self.text = self.doc.get(root, type=Text)
        self._captured = None
        self._capturing = False
        self.doc.observe(self._on_update)

    def _on_update(self, event):
        if self._capturing:
            # A transaction commits once, so there is at most one event per local op.
            self._captured = bytes(event.update)

    def _apply_local(self, op: dict):
        kind = op.get("op")
        current = str(self.text)
        if kind == "insert":
            text = op["text"]
            if not isinstance(text, str):
                raise OracleInputError("insert needs a string 'text'")
            self.text.insert(utf16_to_utf8(current, int(op["index"])), text)
        elif kind == "delete":
            start = int(op["index"])
            length = int(op["len"])
            if length < 0:
                raise OracleInputError(f"negative delete length {length}")
            if length == 0:
                # Still validate the index so a bad input fails the same way in Yjs and here.
                utf16_to_utf8(current, start)
                return
            b0 = utf16_to_utf8(current, start)
            b1 = utf16_to_utf8(current, start + length)
            del self.text[b0:b1]
        else:
            raise OracleInputError(f"unknown local op {kind!r}")

    def local(self, event: dict) -> bytes:
        ops = event["ops"] if event.get("op") == "transact" else [event]
        self._captured = None
        self._capturing = True
        try:
            with self.doc.transaction():
                for op in ops:
                    self._apply_local(op)
        finally:
            self._capturing = False
        return self._captured if self._captured is not None else EMPTY_UPDATE

    def apply(self, update: bytes):
        self.doc.apply_update(update)

    def result(self) -> dict:
        return {
            "clientID": self.client_id,
            "text": str(self.text),
            "stateVector": self.doc.get_state().hex(),
            "fullState": self.doc.get_update().hex(),
        }


def run_session(spec: dict) -> dict:
    root = spec.get("root", "text")
    gc = bool(spec.get("gc", False))
    peers_spec = spec.get("peers")
    if not isinstance(peers_spec, list) or not peers_spec:
        raise OracleInputError("'peers' must be a non-empty list")
    peers = [Peer(int(p["clientID"]), root, gc) for p in peers_spec]
    updates: list[bytes] = []

    for n, event in enumerate(spec.get("events", [])):
        try:
            peer = peers[int(event["peer"])]
        except (KeyError, IndexError, ValueError, TypeError):
            raise OracleInputError(f"event {n}: bad or missing 'peer'") from None
        kind = event.get("op")
        try:
            if kind in ("insert", "delete", "transact"):
                updates.append(peer.local(event))
            elif kind == "deliver":
                k = int(event["update"])
                if not 0 <= k < len(updates):
                    raise OracleInputError(f"update {k} does not exist yet ({len(updates)} produced)")
                peer.apply(updates[k])
            elif kind == "apply":
                peer.apply(bytes.fromhex(event["hex"]))
            else:
                raise OracleInputError(f"unknown op {kind!r}")
        except OracleInputError as e:
            raise OracleInputError(f"event {n} ({kind}): {e}") from None
        except KeyError as e:
            raise OracleInputError(f"event {n} ({kind}): missing field {e}") from None

    if spec.get("finalSync", False):
        for peer in peers:
            for update in updates:
                peer.apply(update)

    return {"updates": [u.hex() for u in updates], "peers": [p.result() for p in peers]}


def run_load(spec: dict) -> dict:
    root = spec.get("root", "text")
    doc = Doc(skip_gc=not bool(spec.get("gc", False)))
    text = doc.get(root, type=Text)
    for h in spec.get("updates", []):
        doc.apply_update(bytes.fromhex(h))
    return {"text": str(text), "stateVector": doc.get_state().hex(), "fullState": doc.get_update().hex()}


def handle(spec) -> dict:
    if not isinstance(spec, dict):
        raise OracleInputError("input must be a JSON object")
    if spec.get("mode", "session") == "load":
        return run_load(spec)
    if spec.get("mode", "session") != "session":
        raise OracleInputError(f"unknown mode {spec.get('mode')!r}")
    return run_session(spec)


SELFTEST = {
    "peers": [{"clientID": 1}, {"clientID": 2}, {"clientID": 3}],
    "events": [
        {"peer": 0, "op": "insert", "index": 0, "text": "a😀b"},           # u0
        {"peer": 0, "op": "insert", "index": 3, "text": "é"},              # u1: after the emoji (UTF-16 index 3)
        {"peer": 1, "op": "deliver", "update": 1},                          # out of order: pending
        {"peer": 1, "op": "deliver", "update": 0},
        {"peer": 1, "op": "deliver", "update": 0},                          # duplicate
        {"peer": 1, "op": "delete", "index": 1, "len": 2},                 # u2: removes the emoji
        {"peer": 0, "op": "insert", "index": 0, "text": "X"},              # u3: concurrent with u2
        {"peer": 2, "op": "transact", "ops": [{"op": "insert", "index": 0, "text": "日本"},
                                             {"op": "delete", "index": 0, "len": 1}]},  # u4
        {"peer": 0, "op": "delete", "index": 0, "len": 0},                 # u5: no-op -> "0000"
    ],
    "finalSync": True,
}
# Checked to be the same in Yjs 13.5 (yjs_oracle.cjs --selftest uses the same session).
SELFTEST_TEXT = "Xaéb本"
SELFTEST_UPDATE0 = "01010100040104746578740661f09f98806200"  # byte-identical in Yjs


def selftest() -> int:
    out = run_session(json.loads(json.dumps(SELFTEST)))
    texts = [p["text"] for p in out["peers"]]
    problems = []
    if len(out["updates"]) != 6:
        problems.append(f"expected 6 updates, got {len(out['updates'])}")
    elif out["updates"][5] != "0000":
        problems.append(f"no-op update should be 0000, got {out['updates'][5]}")
    if len(set(texts)) != 1:
        problems.append(f"peers diverge: {texts}")
    if texts[0] != SELFTEST_TEXT:
        problems.append(f"final text {texts[0]!r}, expected {SELFTEST_TEXT!r}")
    if out["updates"] and out["updates"][0] != SELFTEST_UPDATE0:
        problems.append(f"update 0 is {out['updates'][0]}, expected {SELFTEST_UPDATE0}")
    loaded = run_load({"mode": "load", "updates": out["updates"]})
    if loaded["text"] != texts[0]:
        problems.append(f"load mode gives {loaded['text']!r}, session gives {texts[0]!r}")
    if utf16_to_utf8("a😀b", 3) != 5 or utf16_to_utf8("héllo", 2) != 3:
        problems.append("utf16_to_utf8 conversion is wrong")
    try:
        utf16_to_utf8("a😀b", 2)
        problems.append("splitting a surrogate pair was not rejected")
    except OracleInputError:
        pass
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("OK")
    return 0


def emit(obj, stream=sys.stdout):
    stream.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    stream.flush()


def answer(spec_text: str):
    """(result, error message or None). yrs panics surface as pyo3's PanicException,
    which is a BaseException: report them like any other failure."""
    try:
        return handle(json.loads(spec_text)), None
    except Exception as e:
        msg = str(e) if isinstance(e, OracleInputError) else f"{type(e).__name__}: {e}"
    except BaseException as e:
        if type(e).__name__ != "PanicException":
            raise
        msg = f"yrs panicked: {e}"
    return {"error": msg}, msg


def main(argv) -> int:
    if "--selftest" in argv:
        return selftest()
    if "--lines" in argv:
        for line in sys.stdin:
            if line.strip():
                emit(answer(line)[0])
        return 0
    result, error = answer(sys.stdin.read())
    emit(result)
    if error is not None:
        print(f"pycrdt_oracle: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
