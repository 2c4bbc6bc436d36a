import Foundation
import XCTest
import StetCRDT

/// A pycrdt (yrs) peer in a child process, driven line by line: one JSON command on its
/// stdin, one JSON answer on its stdout. It speaks y-protocols with pycrdt's own helpers
/// (`create_sync_message`, `handle_sync_message`, `create_update_message`, `Awareness`).
///
/// The interpreter is `$STET_PYTHON` or the repository's `.venv/bin/python` (which
/// `scripts/test` creates with pycrdt 0.14.13), as for the CRDT's differential tests.
final class PycrdtPeer {
    struct Unavailable: Error, CustomStringConvertible { var description: String }

    private let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private var buffer = Data()
    private let dir: URL

    init(clientID: ClientID) throws {
        let env = ProcessInfo.processInfo.environment
        let exe = env["STET_PYTHON"] ?? repoRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Unavailable(description: "python with pycrdt not found at \(exe): run scripts/test, which installs pycrdt in .venv")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-sync-pycrdt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("peer.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = [script.path]
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        _ = try call(["cmd": .string("init"), "clientID": .number(Double(clientID))])
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Sends one command, returns its answer (throws on `{"error": …}`).
    @discardableResult
    func call(_ fields: KeyValuePairs<String, JSON>) throws -> JSON {
        let line = JSON.object(fields.map { ($0.key, $0.value) }).serialized + "\n"
        try stdin.fileHandleForWriting.write(contentsOf: Data(line.utf8))
        while !buffer.contains(0x0A) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { throw Unavailable(description: "pycrdt peer exited (status \(process.isRunning ? -1 : process.terminationStatus))") }
            buffer.append(chunk)
        }
        let nl = buffer.firstIndex(of: 0x0A)!
        let answer = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
        buffer.removeSubrange(buffer.startIndex...nl)
        let j = try JSON.parse(answer, maxDepth: 256)
        if let e = j["error"]?.stringValue { throw Unavailable(description: "pycrdt peer: \(e)") }
        return j
    }

    /// The hex strings in `key` of an answer, as bytes.
    static func messages(_ j: JSON, _ key: String = "messages") -> [[UInt8]] {
        (j[key]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(bytesFromHex) }
    }

    static let script = #"""
import json, random, sys
from pycrdt import (Doc, Text, Awareness, create_sync_message, handle_sync_message,
                    create_update_message, create_awareness_message, read_message, YMessageType)

doc = text = aw = None
local = []          # updates of local transactions, in order
applying = False    # set while a remote update is applied

def on_update(event):
    if not applying:
        local.append(event.update)

def u8(s, i):
    """UTF-8 byte offset of code point index i."""
    return len(s[:i].encode("utf-8"))

def take_local():
    out = [create_update_message(u).hex() for u in local]
    local.clear()
    return out

def aw_message(ids):
    return create_awareness_message(aw.encode_awareness_update(ids)).hex()

def handle(c):
    global doc, text, aw, applying
    cmd = c["cmd"]
    if cmd == "init":
        doc = Doc(client_id=c["clientID"])
        text = doc.get("text", type=Text)
        aw = Awareness(doc)
        doc.observe(on_update)
        return {}
    if cmd == "start":
        msgs = [create_sync_message(doc).hex()]
        if aw.get_local_state():
            msgs.append(aw_message([aw.client_id]))
        return {"messages": msgs}
    if cmd == "receive":
        msg = bytes.fromhex(c["hex"])
        replies = []
        if msg[0] == YMessageType.SYNC:
            applying = True
            try:
                reply = handle_sync_message(msg[1:], doc)
            finally:
                applying = False
            if reply is not None:
                replies.append(reply.hex())
        elif msg[0] == YMessageType.AWARENESS:
            aw.apply_awareness_update(read_message(msg[1:]), "remote")
        return {"messages": replies}
    if cmd == "insert":
        s = str(text)
        text.insert(u8(s, c["index"]), c["text"])
        return {"messages": take_local()}
    if cmd == "random":
        r = random.Random(c["seed"])
        s = str(text)
        pieces = ["a", "xyz", " ", "\n", "日本", "😀", "é", "👨‍👩‍👧", "pycrdt "]
        if s and r.random() < 0.35:
            i = r.randrange(0, len(s))
            j = min(len(s), i + r.randint(1, 5))
            del text[u8(s, i):u8(s, j)]
        else:
            text.insert(u8(s, r.randint(0, len(s))), r.choice(pieces))
        return {"messages": take_local()}
    if cmd == "setState":
        aw.set_local_state(c["state"])
        return {"messages": [aw_message([aw.client_id])]}
    if cmd == "state":
        return {"text": str(text), "stateVector": doc.get_state().hex(),
                "update": doc.get_update().hex(),
                "awareness": [{"clientID": k, "clock": aw.meta[k]["clock"], "state": v} for k, v in sorted(aw.states.items())]}
    if cmd == "samples":
        # messages as pycrdt makes them, for decoding in Swift
        other = Doc(client_id=9)
        msgs = {"step1_empty": create_sync_message(other).hex()}
        msgs["step1"] = create_sync_message(doc).hex()
        msgs["step2"] = handle_sync_message(bytes.fromhex(msgs["step1_empty"])[1:], doc).hex()
        aw.set_local_state({"user": {"name": "Zo\u00eb \U0001F600", "color": "#ffa500"}, "cursor": None})
        msgs["awareness"] = aw_message([aw.client_id])
        aw.set_local_state(None)
        msgs["removal"] = aw_message([aw.client_id])
        return msgs
    raise ValueError("unknown command " + cmd)

for line in sys.stdin:
    try:
        answer = handle(json.loads(line))
    except Exception as e:
        answer = {"error": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
"""#
}
