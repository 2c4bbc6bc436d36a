import XCTest
import StetCRDT
@testable import StetSync

/// The per-peer state machine, driven by hand: two sessions passing bytes.
final class SyncSessionTests: XCTestCase {
    /// Two documents with sessions on each other, forwarding local updates like a hub does.
    final class Pair {
        let a = Doc(clientID: 10), b = Doc(clientID: 20)
        let awA = Awareness(clientID: 10, now: 0), awB = Awareness(clientID: 20, now: 0)
        let sa: SyncSession, sb: SyncSession
        var toB: [[UInt8]] = [], toA: [[UInt8]] = []
        /// Local updates are forwarded only once started (as a hub does).
        var live = false

        init(bAccessAtA: Access = .readWrite, bLocal: Access = .readWrite) {
            sa = SyncSession(doc: a, awareness: awA, origin: "from-b", peerAccess: bAccessAtA)
            sb = SyncSession(doc: b, awareness: awB, origin: "from-a", localAccess: bLocal)
            a.onUpdate { [unowned self] u, o in if self.live && o != self.sa.origin { self.toB += self.sa.localUpdate(UpdateV1.encode(u)) } }
            b.onUpdate { [unowned self] u, o in if self.live && o != self.sb.origin { self.toA += self.sb.localUpdate(UpdateV1.encode(u)) } }
        }

        func start() {
            live = true
            toB += sa.start()
            toA += sb.start()
        }

        /// Delivers until quiet.
        func flush(now: Milliseconds = 0) throws {
            while !toA.isEmpty || !toB.isEmpty {
                let x = toB; toB = []
                for m in x { toA += try sb.receive(m, now: now) }
                let y = toA; toA = []
                for m in y { toB += try sa.receive(m, now: now) }
            }
        }
    }

    func testStep1Step2UpdateAndNoEcho() throws {
        let p = Pair()
        p.a.getText().insert("from a", at: 0)     // before connecting: goes out in step 2
        p.b.getText().insert("B:", at: 0)
        XCTAssertTrue(p.toA.isEmpty && p.toB.isEmpty)
        p.start()
        XCTAssertEqual(p.sa.phase, .syncing)
        try p.flush()
        XCTAssertTrue(p.sa.synced && p.sb.synced)
        XCTAssertTrue(p.sa.fullySynced && p.sb.fullySynced)
        XCTAssertEqual(p.a.getText().string, p.b.getText().string)
        // a live update crosses once and is not echoed back
        let sentBefore = p.sb.stats.messagesSent
        p.a.getText().insert("!", at: 0)
        XCTAssertEqual(p.toB.count, 1)
        try p.flush()
        XCTAssertEqual(p.sb.stats.messagesSent, sentBefore, "b must not echo a's update back")
        XCTAssertEqual(p.a.getText().string, p.b.getText().string)
        XCTAssertEqual(p.sb.stats.updatesApplied, 2)   // step 2 and the update
        XCTAssertEqual(p.sa.stats.messagesSent, p.sb.stats.messagesReceived)
        XCTAssertEqual(p.sa.stats.bytesSent, p.sb.stats.bytesReceived)
    }

    func testStartSendsStep1ThenAwarenessAndQueryIsAnswered() throws {
        let doc = Doc(clientID: 1)
        let aw = Awareness(clientID: 1, now: 0)
        aw.setLocalState(.object([("user", .object([("name", .string("A"))]))]), now: 0)
        let s = SyncSession(doc: doc, awareness: aw, origin: "s")
        let out = s.start().map { try? ProtocolMessage.decode($0) }
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out[0], .sync(.step1(stateVector: [0])))
        guard case .awareness(let u)? = out[1] else { return XCTFail() }
        XCTAssertEqual(try AwarenessUpdate.decode(u).entries.map(\.clientID), [1])
        let replies = try s.receive(ProtocolMessage.queryAwareness.encoded(), now: 0)
        XCTAssertEqual(replies.count, 1)
        // unknown message types are ignored and counted
        XCTAssertEqual(try s.receive([7, 1, 2, 3], now: 0), [])
        XCTAssertEqual(s.stats.messagesIgnored, 1)
    }

    func testEmptyUpdateIsHarmless() throws {
        let doc = Doc(clientID: 1)
        let s = SyncSession(doc: doc, awareness: nil, origin: "s")
        _ = s.start()
        XCTAssertEqual(try s.receive([0, 1, 2, 0, 0], now: 0), [])
        XCTAssertTrue(s.synced)
        XCTAssertEqual(try s.receive([0, 2, 2, 0, 0], now: 0), [])
    }

    func testReadOnlyPeerWritesAreDroppedAndItIsTold() throws {
        let p = Pair(bAccessAtA: .readOnly)
        p.a.getText().insert("host text", at: 0)
        p.start()
        try p.flush()
        // b (read-only) received the host's text; its step 2 carried nothing new: no denial
        XCTAssertEqual(p.b.getText().string, "host text")
        XCTAssertNil(p.sb.permissionDenied)
        XCTAssertEqual(p.sa.stats.writesDropped, 0)
        // b edits: the host drops it and says so
        p.b.getText().insert("evil ", at: 0)
        try p.flush()
        p.b.getText().insert("more ", at: 0)
        try p.flush()
        XCTAssertEqual(p.a.getText().string, "host text")
        XCTAssertEqual(p.sa.stats.writesDropped, 1)    // the second was held by b
        XCTAssertEqual(p.sb.permissionDenied, "read-only: your changes are not shared")
        XCTAssertEqual(p.sb.localAccess, .readOnly)
        XCTAssertEqual(p.sb.stats.localUpdatesHeld, 1)
        // later edits are not even sent, and the host's edits still arrive
        p.b.getText().insert("x", at: 0)
        XCTAssertTrue(p.toA.isEmpty)
        p.a.getText().insert("!", at: 9)
        try p.flush()
        XCTAssertTrue(p.b.getText().string.hasSuffix("host text!"))
        // a read-only peer echoing the host's own content (as pycrdt's Provider does) is fine
        let echo = ProtocolMessage.sync(.update(p.a.encodeStateAsUpdate())).encoded()
        _ = try p.sa.receive(echo, now: 0)
        XCTAssertEqual(p.sa.stats.writesDropped, 1)
    }

    func testClientConfiguredReadOnlyHoldsItsUpdates() throws {
        let p = Pair(bLocal: .readOnly)
        p.start()
        try p.flush()
        p.b.getText().insert("local only", at: 0)
        XCTAssertTrue(p.toA.isEmpty)
        XCTAssertEqual(p.sb.stats.localUpdatesHeld, 1)
        XCTAssertEqual(p.a.getText().string, "")
    }

    func testWouldChangeSeesNewDeletions() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        a.getText().insert("abcdef", at: 0)
        try b.applyUpdate(a.encodeStateAsUpdate())
        XCTAssertFalse(SyncSession.wouldChange(a, try UpdateV1.decode(b.encodeStateAsUpdate())))
        b.getText().delete(at: 2, count: 2)
        XCTAssertTrue(SyncSession.wouldChange(a, try UpdateV1.decode(b.encodeStateAsUpdate())))
        try a.applyUpdate(b.encodeStateAsUpdate())
        XCTAssertFalse(SyncSession.wouldChange(a, try UpdateV1.decode(b.encodeStateAsUpdate())))
        a.getText().delete(at: 0, count: 1)
        b.getText().delete(at: 3, count: 1)
        XCTAssertTrue(SyncSession.wouldChange(a, try UpdateV1.decode(b.encodeStateAsUpdate())))
    }

    func testAwarenessThroughSessionsAndPermissionDeniedFromAuth() throws {
        let p = Pair()
        p.awA.setLocalState(Presence.state(name: "A", color: "#111111", cursor: nil), now: 0)
        p.awB.setLocalState(Presence.state(name: "B", color: "#222222", cursor: nil), now: 0)
        p.start()
        try p.flush(now: 5)
        XCTAssertEqual(Presence.peers(in: p.awA).map(\.name), ["B"])
        XCTAssertEqual(Presence.peers(in: p.awB).map(\.name), ["A"])
        XCTAssertEqual(p.sa.awarenessClients, [20])
        let r = try p.sb.handle(ProtocolMessage.auth(.permissionDenied(reason: "nope")).encoded(), now: 0)
        XCTAssertEqual(r.permissionDenied, "nope")
        XCTAssertEqual(p.sb.localAccess, .readOnly)
    }

    func testGapAsksForMissingStructs() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        var updates: [[UInt8]] = []
        a.onUpdate { u, _ in updates.append(UpdateV1.encode(u)) }
        a.getText().insert("one ", at: 0)
        a.getText().insert("two", at: 4)
        let s = SyncSession(doc: b, awareness: nil, origin: "s")
        _ = s.start()
        // the second update arrives first: b now waits for clock 0..3 and asks with step 1
        let replies = try s.receive(ProtocolMessage.sync(.update(updates[1])).encoded(), now: 0)
        XCTAssertEqual(replies, [ProtocolMessage.syncStep1(b).encoded()])
        // the same gap is not asked about twice
        XCTAssertEqual(try s.receive(ProtocolMessage.sync(.update(updates[1])).encoded(), now: 0), [])
        _ = try s.receive(ProtocolMessage.sync(.update(updates[0])).encoded(), now: 0)
        XCTAssertEqual(b.getText().string, "one two")
    }

    func testMalformedInputThrowsAndLeavesDocumentUnchanged() throws {
        let doc = Doc(clientID: 1)
        doc.getText().insert("keep", at: 0)
        let before = doc.encodeStateAsUpdate()
        let s = SyncSession(doc: doc, awareness: Awareness(clientID: 1, now: 0), origin: "s")
        func expect(_ b: [UInt8], _ kind: ProtocolError.Kind, at offset: Int? = nil, line: UInt = #line) {
            do {
                _ = try s.receive(b, now: 0)
                XCTFail("accepted", line: line)
            } catch {
                XCTAssertEqual(error.kind, kind, "\(error)", line: line)
                if let o = offset { XCTAssertEqual(error.offset, o, "\(error)", line: line) }
            }
        }
        expect([0, 0, 3, 5, 1, 1], .invalidStateVector)                // 5 entries announced
        expect([0, 2, 3, 1, 1, 9], .invalidUpdate)
        expect([0, 1, 2, 0xFF, 0xFF], .invalidUpdate, at: 3)
        expect([1, 4, 1, 1, 1, 0x7B], .truncated)                     // awareness state runs out
        expect([0, 9], .unknownSyncMessage, at: 1)
        XCTAssertEqual(s.stats.errors, 5)
        XCTAssertEqual(doc.encodeStateAsUpdate(), before)
    }

    /// Seeded random bytes and mutated valid messages into `receive`: errors, never a trap;
    /// and a session that refused garbage still syncs correctly afterwards.
    func testFuzzReceive() throws {
        for seed in testSeeds(4) {
            var rng = SeededGenerator(seed: seed)
            let source = Doc(clientID: 99)
            var updates: [[UInt8]] = []
            source.onUpdate { u, _ in updates.append(UpdateV1.encode(u)) }
            for _ in 0..<30 { randomEdit(source.getText(), &rng) }
            let aw = Awareness(clientID: 99, now: 0)
            aw.setLocalState(Presence.state(name: "Z", color: "#123456", selection: TextSelection(anchor: 0, head: 2), in: source.getText()), now: 0)
            var corpus: [[UInt8]] = updates.map { ProtocolMessage.sync(.update($0)).encoded() }
            corpus.append(ProtocolMessage.syncStep2(source, answering: StateVector()).encoded())
            corpus.append(ProtocolMessage.syncStep1(source).encoded())
            corpus.append(ProtocolMessage.awareness(aw.encodeUpdate(clients: [99])).encoded())
            corpus.append(ProtocolMessage.auth(.permissionDenied(reason: "x")).encoded())
            let target = Doc(clientID: 5)
            let s = SyncSession(doc: target, awareness: Awareness(clientID: 5, now: 0), origin: "fuzz")
            _ = s.start()
            var accepted = 0, refused = 0
            for i in 0..<3000 {
                var b: [UInt8]
                if i % 3 == 0 {
                    b = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    if !b.isEmpty { b[0] = UInt8.random(in: 0...4, using: &rng) }
                    if b.count > 1 && b[0] == 0 { b[1] = UInt8.random(in: 0...2, using: &rng) }
                } else {
                    b = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
                    for _ in 0..<Int.random(in: 1...3, using: &rng) {
                        guard b.count > 3 else { break }
                        let at = Int.random(in: 2..<b.count, using: &rng)
                        switch Int.random(in: 0..<3, using: &rng) {
                        case 0: b[at] = UInt8.random(in: 0...255, using: &rng)
                        case 1: b[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                        default: b.remove(at: at)
                        }
                    }
                }
                do {
                    _ = try s.receive(b, now: Milliseconds(i))
                    accepted += 1
                } catch {
                    refused += 1
                    XCTAssertTrue(error.offset >= 0 && error.offset <= b.count, "seed \(seed): \(error)")
                }
            }
            XCTAssertGreaterThan(refused, 0)
            XCTAssertEqual(s.stats.errors, refused)
            // whatever was accepted left a usable document: its state encodes and loads again.
            // (Texts may differ: mutated updates reuse ids with other content, which no Yjs
            // implementation can reconcile — ids are trusted to be unique.)
            let reloaded = Doc(clientID: 6)
            XCTAssertNoThrow(try reloaded.applyUpdate(target.encodeStateAsUpdate()), "seed \(seed)")
            XCTAssertNoThrow(try UpdateV1.decode(reloaded.encodeStateAsUpdate()), "seed \(seed)")
        }
    }
}
