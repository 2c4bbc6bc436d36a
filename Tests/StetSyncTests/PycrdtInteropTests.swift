import XCTest
import StetCRDT
@testable import StetSync

/// Interoperability with pycrdt 0.14.13 (yrs) over y-protocols: its messages decode in
/// StetSync and ours in pycrdt, and a `SyncSession` and a pycrdt document converge by
/// exchanging messages through a pipe — including edits made while disconnected.
final class PycrdtInteropTests: XCTestCase {
    func testPycrdtMessagesDecodeHere() throws {
        let py = try PycrdtPeer(clientID: 4242)
        try py.call(["cmd": .string("insert"), "index": .number(0), "text": .string("héllo 😀")])
        let s = try py.call(["cmd": .string("samples")])
        func bytes(_ k: String) throws -> [UInt8] { try XCTUnwrap(s[k]?.stringValue.flatMap(bytesFromHex), k) }

        XCTAssertEqual(try ProtocolMessage.decode(bytes("step1_empty")), .sync(.step1(stateVector: [0])))
        guard case .sync(.step1(let sv)) = try ProtocolMessage.decode(bytes("step1")) else { return XCTFail("step1") }
        XCTAssertEqual(try StateVector.decode(sv), StateVector([4242: 8]))
        // pycrdt's step 2 (answering an empty state vector) loads through a session
        let doc = Doc(clientID: 1)
        let session = SyncSession(doc: doc, awareness: Awareness(clientID: 1, now: 0), origin: "py")
        _ = session.start()
        XCTAssertEqual(try session.receive(bytes("step2"), now: 0), [])
        XCTAssertTrue(session.synced)
        XCTAssertEqual(doc.getText().string, "héllo 😀")
        // its awareness entry: ASCII-escaped JSON (json.dumps) with an astral character
        _ = try session.receive(bytes("awareness"), now: 5)
        let peer = try XCTUnwrap(Presence.peers(in: session.awareness!).first)
        XCTAssertEqual(peer.clientID, 4242)
        XCTAssertEqual(peer.name, "Zo\u{eb} 😀")
        XCTAssertEqual(peer.color, "#ffa500")
        XCTAssertNil(peer.anchor)
        // and its removal
        guard case .awareness(let removal) = try ProtocolMessage.decode(bytes("removal")) else { return XCTFail() }
        XCTAssertNil(try AwarenessUpdate.decode(removal).entries.first?.state)
        _ = try session.receive(bytes("removal"), now: 6)
        XCTAssertTrue(Presence.peers(in: session.awareness!).isEmpty)
    }

    func testOurMessagesDecodeInPycrdt() throws {
        let py = try PycrdtPeer(clientID: 5)
        let doc = Doc(clientID: 77)
        let aw = Awareness(clientID: 77, now: 0)
        let text = doc.getText()
        text.insert("stet → pycrdt 😀", at: 0)
        aw.setLocalState(Presence.state(name: "Zoë", color: "#30bced", selection: TextSelection(anchor: 5, head: 8), in: text), now: 0)
        let s = SyncSession(doc: doc, awareness: aw, origin: "py")
        // our opening: step 1 (pycrdt answers with its step 2) and our awareness entry
        for m in s.start() {
            let r = try py.call(["cmd": .string("receive"), "hex": .string(hex(m))])
            for reply in PycrdtPeer.messages(r) { _ = try s.receive(reply, now: 0) }
        }
        XCTAssertTrue(s.synced)
        // answer pycrdt's step 1 with our step 2
        let open = try py.call(["cmd": .string("start")])
        for m in PycrdtPeer.messages(open) {
            for reply in try s.receive(m, now: 0) { try py.call(["cmd": .string("receive"), "hex": .string(hex(reply))]) }
        }
        // an update message
        var live: [[UInt8]] = []
        doc.onUpdate { u, o in if o != s.origin { live += s.localUpdate(UpdateV1.encode(u)) } }
        text.delete(at: 0, count: 5)
        for m in live { try py.call(["cmd": .string("receive"), "hex": .string(hex(m))]) }
        let st = try py.call(["cmd": .string("state")])
        XCTAssertTrue(sameText(try XCTUnwrap(st["text"]?.stringValue), text.string))
        XCTAssertEqual(try StateVector.decode(try XCTUnwrap(st["stateVector"]?.stringValue.flatMap(bytesFromHex))), doc.stateVector)
        // pycrdt holds our awareness state exactly (explicit nulls included)
        let entries = try XCTUnwrap(st["awareness"]?.arrayValue)
        let ours = try XCTUnwrap(entries.first { $0["clientID"]?.numberValue == 77 })
        XCTAssertEqual(ours["clock"]?.numberValue, Double(aw.localClock))
        XCTAssertTrue(try XCTUnwrap(ours["state"]).deepEquals(try XCTUnwrap(aw.localState)))
        XCTAssertEqual(ours["state"]?["cursor"]?["anchor"]?["type"], .null)
        // our removal removes us there
        aw.setLocalState(nil, now: 1)
        try py.call(["cmd": .string("receive"), "hex": .string(hex(ProtocolMessage.awareness(aw.encodeUpdate(clients: [77])).encoded()))])
        let after = try py.call(["cmd": .string("state")])
        XCTAssertNil(after["awareness"]?.arrayValue?.first { $0["clientID"]?.numberValue == 77 })
    }

    /// Random edits on both sides, messages delivered late and in batches (in order, as
    /// on a real connection), disconnects with offline edits, reconnect by step 1 / step 2.
    func testSessionAndPycrdtConverge() throws {
        for seed in testSeeds(3) {
            var rng = SeededGenerator(seed: seed)
            let py = try PycrdtPeer(clientID: 1_000_001)
            let doc = Doc(clientID: 2_000_002)
            let aw = Awareness(clientID: 2_000_002, now: 0)
            var session = SyncSession(doc: doc, awareness: aw, origin: "py.0")
            var toPy: [[UInt8]] = [], toUs: [[UInt8]] = []
            var connected = true
            var generation = 0
            doc.onUpdate { u, o in
                if connected && o != session.origin { toPy += session.localUpdate(UpdateV1.encode(u)) }
            }
            func connect() throws {
                toPy += session.start()
                toUs += PycrdtPeer.messages(try py.call(["cmd": .string("start")]))
            }
            func deliver(maxCount: Int) throws {
                for _ in 0..<maxCount {
                    if !toPy.isEmpty {
                        let m = toPy.removeFirst()
                        toUs += PycrdtPeer.messages(try py.call(["cmd": .string("receive"), "hex": .string(hex(m))]))
                    }
                    if !toUs.isEmpty {
                        let m = toUs.removeFirst()
                        toPy += try session.receive(m, now: 0)
                    }
                }
            }
            try connect()
            var offlineEditsHere = 0, offlineEditsThere = 0
            for step in 0..<300 {
                let roll = step == 150 && generation == 0 && connected ? 96 : Int.random(in: 0..<100, using: &rng)
                switch roll {
                case 0..<40:
                    randomEdit(doc.getText(), &rng)
                    if !connected { offlineEditsHere += 1 }
                case 40..<75:
                    let r = try py.call(["cmd": .string("random"), "seed": .number(Double(rng.next() >> 12))])
                    if connected { toUs += PycrdtPeer.messages(r) } else { offlineEditsThere += 1 }
                case 75..<95:
                    if connected { try deliver(maxCount: Int.random(in: 1...6, using: &rng)) }
                case 95..<98:
                    if connected {
                        // the connection drops: whatever is in flight is lost
                        connected = false
                        toPy = []; toUs = []
                    } else {
                        connected = true
                        generation += 1
                        session = SyncSession(doc: doc, awareness: aw, origin: "py.\(generation)")
                        try connect()
                    }
                default:
                    aw.setLocalState(Presence.state(name: "stet", color: "#30bced", selection: TextSelection(caret: 0), in: doc.getText()), now: Milliseconds(step))
                    if connected { toPy += session.awarenessMessage(aw.encodeUpdate(clients: [aw.clientID])) }
                }
            }
            if !connected {
                connected = true
                generation += 1
                session = SyncSession(doc: doc, awareness: aw, origin: "py.\(generation)")
                try connect()
            }
            while !toPy.isEmpty || !toUs.isEmpty { try deliver(maxCount: 100) }
            let st = try py.call(["cmd": .string("state")])
            let theirs = try XCTUnwrap(st["text"]?.stringValue)
            XCTAssertTrue(sameText(theirs, doc.getText().string), "seed \(seed): pycrdt \(theirs.debugDescription) vs stet \(doc.getText().string.debugDescription)")
            XCTAssertEqual(try StateVector.decode(try XCTUnwrap(st["stateVector"]?.stringValue.flatMap(bytesFromHex))), doc.stateVector, "seed \(seed)")
            // pycrdt's full state loads here to the same text
            let check = Doc(clientID: 3)
            try check.applyUpdate(try XCTUnwrap(st["update"]?.stringValue.flatMap(bytesFromHex)))
            XCTAssertTrue(sameText(check.getText().string, doc.getText().string), "seed \(seed)")
            XCTAssertTrue(session.fullySynced, "seed \(seed)")
            XCTAssertGreaterThan(generation, 0, "seed \(seed): no reconnect happened")
            print("  seed \(seed): \(doc.getText().string.unicodeScalars.count) scalars, \(generation) reconnects, offline edits \(offlineEditsHere) here / \(offlineEditsThere) in pycrdt")
        }
    }
}
