import Foundation
import XCTest
@testable import StetCRDT

final class SnapshotTests: XCTestCase {
    /// snapshot_restore.json: snapshot bytes, text at the snapshot, and the restored document.
    func testSnapshotVector() throws {
        let v = try Vectors.load("snapshot_restore")
        let extra = v["extra"] as! [String: Any]
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        var snap: Snapshot?
        for step in v["steps"] as! [[String: Any]] {
            switch step["op"] as! String {
            case "insert": text.insert(step["text"] as! String, at: step["index"] as! Int)
            case "delete": text.delete(at: step["index"] as! Int, count: step["len"] as! Int)
            default: XCTFail("unexpected op")
            }
            if text.string == (extra["textAtSnapshot"] as! String) && snap == nil { snap = doc.snapshot() }
        }
        let s = try XCTUnwrap(snap)
        XCTAssertEqual(hexString(s.encoded()), extra["snapshotHex"] as? String)
        let decoded = try Snapshot.decode(hex(extra["snapshotHex"]))
        XCTAssertEqual(decoded.stateVector, s.stateVector)
        XCTAssertScalarsEqual(doc.text(at: decoded), extra["textAtSnapshot"] as! String)
        let restored = doc.document(at: decoded, clientID: 7)
        XCTAssertScalarsEqual(restored.getText().string, extra["textAtSnapshot"] as! String)
        XCTAssertEqual(hexString(restored.encodeStateAsUpdate()), extra["restoredDocFullUpdateHex"] as? String)
    }

    /// Every intermediate version of a random session can be read back from its snapshot.
    func testTextAtEverySnapshotOfRandomSession() {
        let seed = UInt64.random(in: 1...UInt64.max)
        var rng = SplitMix(seed: seed)
        let doc = Doc(clientID: 42)
        let text = doc.getText()
        var history: [(Snapshot, String)] = []
        for _ in 0..<200 {
            randomEdit(text, &rng)
            history.append((doc.snapshot(), text.string))
        }
        for (i, (s, expected)) in history.enumerated() {
            XCTAssertScalarsEqual(doc.text(at: s), expected, "seed \(seed) version \(i)")
            if i % 20 == 0 {
                XCTAssertScalarsEqual(doc.document(at: s, clientID: 9).getText().string, expected, "seed \(seed) restored version \(i)")
            }
        }
    }
}

final class RelativePositionTests: XCTestCase {
    /// relative_positions.json: binary form, decoded form and resolution after concurrent edits.
    func testRelativePositionVector() throws {
        let v = try Vectors.load("relative_positions")
        let extra = v["extra"] as! [String: Any]
        let updates = v["updates"] as! [[String: Any]]
        // A: the doc positions were created on (after its first insert)
        let a = Doc(clientID: 1)
        try a.applyUpdate(hex(updates[0]["hex"]))
        for rp in extra["relativePositions"] as! [[String: Any]] {
            let made = a.getText().relativePosition(at: rp["createdAtIndex"] as! Int, assoc: rp["assoc"] as! Int)
            XCTAssertEqual(hexString(made.encoded()), rp["hex"] as? String)
            let decoded = try RelativePosition.decode(hex(rp["hex"]))
            XCTAssertEqual(decoded.item, made.item)
            XCTAssertEqual(decoded.assoc, made.assoc)
            let dj = rp["decoded"] as! NSDictionary
            XCTAssertEqual(foundationJSON(decoded.json) as! NSDictionary, dj)
        }
        // final state: all updates merged
        let final = Doc(clientID: 3)
        for u in updates { try final.applyUpdate(hex(u["hex"])) }
        XCTAssertScalarsEqual(final.getText().string, v["finalText"] as! String)
        for rp in extra["relativePositions"] as! [[String: Any]] {
            let decoded = try RelativePosition.decode(hex(rp["hex"]))
            XCTAssertEqual(final.absolutePosition(decoded)?.index, rp["resolvedIndexAfterEdits"] as? Int, "\(rp["hex"]!)")
        }
        // Yjs gives a root position (no item) at the end with assoc 0, where yrs panics
        let end = a.getText().relativePosition(at: a.getText().length, assoc: 0)
        XCTAssertNil(end.item)
        XCTAssertEqual(end.json.serialized, #"{"type":null,"tname":"text","item":null,"assoc":0}"#)
        XCTAssertEqual(a.absolutePosition(end)?.index, a.getText().length)
    }

    func testJSONRoundTripWithExplicitNulls() throws {
        let rp = RelativePosition(type: nil, tname: "text", item: ID(client: 202, clock: 2), assoc: 0)
        XCTAssertEqual(rp.json.serialized, #"{"type":null,"tname":"text","item":{"client":202,"clock":2},"assoc":0}"#)
        XCTAssertEqual(try RelativePosition(json: JSON.parse(rp.json.serialized)), rp)
        // y-quill style: missing keys
        let sparse = try RelativePosition(json: JSON.parse(#"{"item":{"client":1,"clock":5},"assoc":-1}"#))
        XCTAssertEqual(sparse, RelativePosition(item: ID(client: 1, clock: 5), assoc: -1))
        XCTAssertThrowsError(try RelativePosition(json: JSON.parse(#"{"item":{"client":"x"}}"#)))
    }

    /// A cursor follows its character through concurrent inserts and deletes on other peers.
    func testCursorSurvivesConcurrentEdits() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        a.getText().insert("hello world", at: 0)
        try b.applyUpdate(a.encodeStateAsUpdate())
        let cursor = b.getText().relativePosition(at: 6) // before "world"
        a.getText().insert(">> ", at: 0)
        a.getText().delete(at: 3, count: 2) // "llo world"
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        XCTAssertEqual(b.getText().string, ">> llo world")
        XCTAssertEqual(b.absolutePosition(cursor)?.index, 7)
    }
}

final class UndoTests: XCTestCase {
    func testUndoRedoOwnTypingGroupedByPauses() {
        var clock: UInt64 = 0
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        let um = UndoManager(doc: doc, captureTimeout: 500, now: { clock })
        for ch in "hello" { text.insert(String(ch), at: text.length); clock += 100 }
        clock += 1000
        for ch in " world" { text.insert(String(ch), at: text.length); clock += 100 }
        XCTAssertEqual(text.string, "hello world")
        XCTAssertTrue(um.undo())
        XCTAssertEqual(text.string, "hello")
        XCTAssertTrue(um.undo())
        XCTAssertEqual(text.string, "")
        XCTAssertFalse(um.undo())
        XCTAssertTrue(um.redo())
        XCTAssertEqual(text.string, "hello")
        XCTAssertTrue(um.redo())
        XCTAssertEqual(text.string, "hello world")
        XCTAssertFalse(um.redo())
        // undo a deletion brings the text back, redo removes it again
        clock += 1000
        text.delete(at: 0, count: 6)
        XCTAssertEqual(text.string, "world")
        um.undo()
        XCTAssertEqual(text.string, "hello world")
        um.redo()
        XCTAssertEqual(text.string, "world")
        um.undo(); um.undo()
        XCTAssertEqual(text.string, "hello")
    }

    func testUndoNeverTouchesRemoteChanges() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        let um = UndoManager(doc: a)
        a.getText().insert("mine ", at: 0)
        um.stopCapturing()
        b.getText().insert("theirs", at: 0)
        try a.applyUpdate(b.encodeStateAsUpdate())
        XCTAssertEqual(a.getText().string.count, 11)
        um.undo()
        XCTAssertEqual(a.getText().string, "theirs")
        XCTAssertFalse(um.undo())
        // the undo is an ordinary change that converges on the other peer
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        XCTAssertEqual(b.getText().string, "theirs")
        um.redo()
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        XCTAssertEqual(a.getText().string, b.getText().string)
        XCTAssertTrue(a.getText().string.contains("mine "))
    }

    func testRandomUndoRedoRestoresEveryVersion() {
        let seed = UInt64.random(in: 1...UInt64.max)
        var rng = SplitMix(seed: seed)
        var clock: UInt64 = 0
        let doc = Doc(clientID: 5)
        let text = doc.getText()
        let um = UndoManager(doc: doc, captureTimeout: 0, now: { clock })
        var versions = [text.string]
        for _ in 0..<60 {
            clock += 10
            randomEdit(text, &rng)
            versions.append(text.string)
        }
        for i in stride(from: versions.count - 2, through: 0, by: -1) {
            XCTAssertTrue(um.undo(), "seed \(seed)")
            XCTAssertScalarsEqual(text.string, versions[i], "seed \(seed): undo to version \(i)")
        }
        for i in 1..<versions.count {
            XCTAssertTrue(um.redo(), "seed \(seed)")
            XCTAssertScalarsEqual(text.string, versions[i], "seed \(seed): redo to version \(i)")
        }
    }
}

final class HostileInputTests: XCTestCase {
    /// A remote update under our own client id makes us switch ids (as Yjs), so our next
    /// edit does not reuse clocks someone else already used.
    func testClientIDConflictSwitchesID() throws {
        let impostor = Doc(clientID: 77)
        impostor.getText().insert("theirs", at: 0)
        let me = Doc(clientID: 77)
        try me.applyUpdate(impostor.encodeStateAsUpdate())
        XCTAssertNotEqual(me.clientID, 77)
        me.getText().insert("mine ", at: 0)
        try impostor.applyUpdate(me.encodeStateAsUpdate(from: impostor.stateVector))
        XCTAssertEqual(impostor.getText().string, me.getText().string)
        XCTAssertEqual(me.getText().string, "mine theirs")
    }

    /// Invalid JSON inside embed/format/JSON content is rejected at decode time, as Yjs's
    /// JSON.parse would, with the byte offset.
    func testInvalidJSONContentIsRejected() {
        // 1 client, 1 struct, client 1 clock 0, info 5 (embed), root "text", embed "{"
        let bytes: [UInt8] = [1, 1, 1, 0, 5, 1, 4, 0x74, 0x65, 0x78, 0x74, 1, 0x7b, 0]
        XCTAssertThrowsError(try UpdateV1.decode(bytes)) { e in
            XCTAssertTrue("\(e)".contains("valid JSON"), "\(e)")
        }
    }
}
