"""A scripted y-websocket peer built on pycrdt, for interop tests (Tests/StetE2ETests/
InteropE2ETests.swift).

    python ypeer.py URL --name NAME [--color C] [--await TEXT] [--insert-at I --insert TEXT]
                    [--cursor I | --no-cursor] [--expect TEXT] [--expect-peer NAME
                    [--expect-peer-cursor I]] [--timeout S] [--hold] [--ca-file PEM]

It speaks y-protocols as the y-websocket client does (reference/yjs-wire.md §8): on open it
sends sync step 1 and, once it has a state, its awareness entry; it answers step 1 with step 2,
applies step 2 and updates, sends its own edits as updates, and applies awareness updates
(pycrdt's `create_sync_message`, `handle_sync_message`, `Awareness`). The shared text is the
root `Text` named "text".

Script, in order:
  1. connect and wait for the first sync step 2 (the server's state);
  2. with --await TEXT: wait until the text equals TEXT;
  3. with --insert TEXT: insert it at --insert-at (UTF-16 index, default 0);
  4. set the awareness state {"user": {"name", "color"}, "cursor": {"anchor", "head"}} with
     the cursor at --cursor (UTF-16 index; default: just after the insertion, or the end of
     the text), as a Yjs relative position in JSON with all four keys and explicit nulls
     (`{"type": null, "tname": "text", "item": {...}|null, "assoc": 0}`), or `cursor: null`
     with --no-cursor;
  5. wait until the text equals --expect and, with --expect-peer, a peer of that name is
     known whose cursor resolves (with --expect-peer-cursor: to that head index);
  6. print the result; with --hold, stay connected (renewing awareness) until stdin is closed;
  7. set the awareness state to null and close.

Output: one JSON object per line on stdout.
  {"event": "synced", "text": …}
  {"event": "inserted", "text": …, "index": …, "insert": …}
  {"event": "state", "state": …}                      (our awareness state as sent)
  {"event": "seen", "text": …, "peers": [PEER…]}     (whenever the text or the peers change)
  {"event": "result", "ok": true|false, "reason": …, "text": …, "clientID": …, "peers": [PEER…]}
  {"event": "error", "error": …}                      (cannot connect, protocol error…)
  PEER = {"clientID": …, "name": …, "color": …, "state": <the raw state>,
          "cursor": {"anchor": i, "head": i} | null}
Cursor indices are UTF-16 code units resolved in this peer's document (null when a position
names content this peer does not have yet, or another type).

Exit status: 0 when the expectations were met, 1 on timeout, 2 on an error.
"""
import argparse
import asyncio
import json
import ssl
import sys
import time

try:
    from pycrdt import (Assoc, Awareness, Doc, StickyIndex, Text, YMessageType,
                        create_awareness_message, create_sync_message, create_update_message,
                        handle_sync_message, read_message)
    from websockets.asyncio.client import connect
except Exception as e:  # pragma: no cover - reported to the test as a clear error
    print(json.dumps({"event": "error", "error": f"missing Python package: {e!r} "
                      "(run scripts/test, which installs Tests/Oracles/requirements.txt into .venv)"}),
          flush=True)
    sys.exit(2)

TEXT_NAME = "text"


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# --- index units: pycrdt counts UTF-8 bytes, Yjs (and so the wire) UTF-16 code units ---

def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def utf16_to_bytes(s, i):
    """UTF-8 byte offset of UTF-16 index i (clamped, never inside a character)."""
    n = 0
    for k, ch in enumerate(s):
        if n >= i:
            return len(s[:k].encode("utf-8"))
        n += 2 if ord(ch) > 0xFFFF else 1
    return len(s.encode("utf-8"))


def bytes_to_utf16(s, b):
    """UTF-16 index of UTF-8 byte offset b."""
    return utf16_len(s.encode("utf-8")[:b].decode("utf-8", errors="ignore"))


def read_var_uint(data, pos):
    num = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        num |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return num, pos


def state_vector(doc):
    data = doc.get_state()
    n, pos = read_var_uint(data, 0)
    sv = {}
    for _ in range(n):
        client, pos = read_var_uint(data, pos)
        clock, pos = read_var_uint(data, pos)
        sv[client] = clock
    return sv


class Peer:
    def __init__(self, args):
        self.args = args
        self.doc = Doc()
        self.text = self.doc.get(TEXT_NAME, type=Text)
        self.awareness = Awareness(self.doc)
        self.ws = None
        self.synced = asyncio.Event()
        self.changed = asyncio.Event()   # set on every text or awareness change
        self.applying = False
        self.outgoing = []               # our local updates, to send
        self.last_seen = None
        self.doc.observe(self.on_update)

    # --- document ---

    def on_update(self, event):
        if not self.applying:
            self.outgoing.append(event.update)
        self.changed.set()

    async def flush(self):
        while self.outgoing:
            await self.ws.send(create_update_message(self.outgoing.pop(0)))

    def relative_position(self, index):
        """Yjs `createRelativePositionFromTypeIndex(ytext, index)` as JSON with explicit nulls.
        At the end of the text there is no item (yrs panics on StickyIndex.new there)."""
        s = str(self.text)
        if index >= utf16_len(s):
            return {"type": None, "tname": TEXT_NAME, "item": None, "assoc": 0}
        j = StickyIndex.new(self.text, utf16_to_bytes(s, index), Assoc.AFTER).to_json()
        return {"type": None, "tname": TEXT_NAME, "item": j.get("item"), "assoc": j.get("assoc", 0)}

    def resolve(self, position):
        """A relative position (JSON) as a UTF-16 index in our text, or None."""
        if not isinstance(position, dict):
            return None
        item = position.get("item")
        if position.get("type") is not None:
            return None  # a nested type: not our root text
        if item is None:
            if position.get("tname") != TEXT_NAME:
                return None
        else:
            try:
                client, clock = int(item["client"]), int(item["clock"])
            except (KeyError, TypeError, ValueError):
                return None
            if state_vector(self.doc).get(client, 0) <= clock:
                return None  # content we do not have yet (yrs would panic)
        try:
            b = StickyIndex.from_json(position, self.text).get_index()
        except BaseException:  # pyo3 PanicException derives from BaseException
            return None
        return bytes_to_utf16(str(self.text), b)

    # --- awareness ---

    def peers(self):
        out = []
        for cid, state in sorted(self.awareness.states.items()):
            if cid == self.awareness.client_id or state is None:
                continue
            user = state.get("user") if isinstance(state.get("user"), dict) else {}
            cursor = state.get("cursor")
            resolved = None
            if isinstance(cursor, dict):
                a, h = self.resolve(cursor.get("anchor")), self.resolve(cursor.get("head"))
                if a is not None and h is not None:
                    resolved = {"anchor": a, "head": h}
            out.append({"clientID": cid, "name": user.get("name"), "color": user.get("color"),
                        "cursor": resolved, "state": state})
        return out

    async def send_awareness(self):
        msg = create_awareness_message(self.awareness.encode_awareness_update([self.awareness.client_id]))
        await self.ws.send(msg)

    async def set_state(self, state):
        self.awareness.set_local_state(state)  # clock >= 1: peers ignore a first clock 0
        await self.send_awareness()
        if state is not None:
            emit({"event": "state", "state": state})

    # --- connection ---

    async def receive(self):
        async for message in self.ws:
            if isinstance(message, str):
                continue
            if not message:
                continue
            kind = message[0]
            if kind == YMessageType.SYNC:
                self.applying = True
                try:
                    reply = handle_sync_message(message[1:], self.doc)
                finally:
                    self.applying = False
                if reply is not None:
                    await self.ws.send(reply)
                if message[1] == 1:  # sync step 2
                    self.synced.set()
            elif kind == YMessageType.AWARENESS:
                self.awareness.apply_awareness_update(read_message(message[1:]), "remote")
            elif kind == 3:  # query awareness: answer with all states we know
                ids = list(self.awareness.states.keys())
                await self.ws.send(create_awareness_message(self.awareness.encode_awareness_update(ids)))
            self.changed.set()
            self.report()

    def report(self):
        seen = {"text": str(self.text), "peers": self.peers()}
        if seen != self.last_seen:
            self.last_seen = seen
            emit({"event": "seen", **seen})

    async def until(self, predicate, deadline):
        while not predicate():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass
        return True

    async def renew(self):
        """Awareness renewal every 10 s (y-protocols renews after 15 s; peers drop at 30 s)."""
        while True:
            await asyncio.sleep(10)
            if self.awareness.get_local_state() is not None:
                await self.set_state(self.awareness.get_local_state())

    def expectations_met(self):
        a = self.args
        if a.expect is not None and str(self.text) != a.expect:
            return False
        if a.expect_peer is not None:
            match = [p for p in self.peers() if p["name"] == a.expect_peer and p["cursor"] is not None]
            if not match:
                return False
            if a.expect_peer_cursor is not None and not any(p["cursor"]["head"] == a.expect_peer_cursor for p in match):
                return False
        return True

    async def run(self):
        a = self.args
        deadline = time.monotonic() + a.timeout
        tls = None
        if a.url.startswith("wss://"):
            # wss:// checks the server's certificate against the system's CAs plus --ca-file.
            tls = ssl.create_default_context()
            if a.ca_file:
                tls.load_verify_locations(cafile=a.ca_file)
        async with connect(a.url, compression=None, proxy=None, max_size=64 * 1024 * 1024,
                           open_timeout=a.timeout, ssl=tls) as ws:
            self.ws = ws
            receiver = asyncio.create_task(self.receive())
            renewer = asyncio.create_task(self.renew())
            try:
                await ws.send(create_sync_message(self.doc))  # step 1 with our state vector
                if not await self.until(self.synced.is_set, deadline):
                    return self.finish(False, "no sync step 2 from the server")
                emit({"event": "synced", "text": str(self.text)})
                if a.wait_text is not None and not await self.until(lambda: str(self.text) == a.wait_text, deadline):
                    return self.finish(False, f"the text never became {a.wait_text!r}")
                index = None
                if a.insert is not None:
                    s = str(self.text)
                    index = max(0, min(a.insert_at, utf16_len(s)))
                    self.text.insert(utf16_to_bytes(s, index), a.insert)
                    await self.flush()
                    emit({"event": "inserted", "text": str(self.text), "index": index, "insert": a.insert})
                if a.no_cursor:
                    cursor = None
                else:
                    if a.cursor is not None:
                        at = a.cursor
                    elif index is not None:
                        at = index + utf16_len(a.insert)
                    else:
                        at = utf16_len(str(self.text))
                    rp = self.relative_position(at)
                    cursor = {"anchor": rp, "head": rp}
                await self.set_state({"user": {"name": a.name, "color": a.color}, "cursor": cursor})
                ok = await self.until(self.expectations_met, deadline)
                self.finish(ok, None if ok else "timed out")
                if a.hold:
                    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
                await self.set_state(None)
                return ok
            finally:
                renewer.cancel()
                receiver.cancel()

    def finish(self, ok, reason):
        emit({"event": "result", "ok": ok, "reason": reason, "text": str(self.text),
              "clientID": self.awareness.client_id, "peers": self.peers()})
        return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("url")
    p.add_argument("--name", required=True)
    p.add_argument("--color", default="#ee6352")
    p.add_argument("--await", dest="wait_text", help="before inserting, wait until the text equals this")
    p.add_argument("--insert-at", type=int, default=0, help="UTF-16 index for --insert")
    p.add_argument("--insert", help="text to insert once synced")
    p.add_argument("--cursor", type=int, help="UTF-16 index of our cursor")
    p.add_argument("--no-cursor", action="store_true", help="publish cursor: null")
    p.add_argument("--expect", help="wait until the text equals this")
    p.add_argument("--expect-peer", help="wait until a peer of this name has a resolvable cursor")
    p.add_argument("--expect-peer-cursor", type=int, help="… whose head resolves to this UTF-16 index")
    p.add_argument("--timeout", type=float, default=15)
    p.add_argument("--hold", action="store_true", help="after the result, stay connected until stdin closes")
    p.add_argument("--ca-file", help="for wss:// URLs: also trust the certificates in this PEM file")
    args = p.parse_args()
    try:
        ok = asyncio.run(Peer(args).run())
    except Exception as e:
        emit({"event": "error", "error": f"{type(e).__name__}: {e}"})
        sys.exit(2)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
