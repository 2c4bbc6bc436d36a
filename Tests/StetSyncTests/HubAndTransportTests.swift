import XCTest
import Synchronization
import StetCRDT
@testable import StetSync

/// A transport that records what is sent (for driving a hub by hand).
final class RecordingTransport: Transport {
    let label: String
    private let state = Mutex<(sent: [[UInt8]], closed: String?)>(([], nil))
    init(_ label: String) { self.label = label }
    func send(_ message: [UInt8]) { state.withLock { $0.sent.append(message) } }
    func close(reason: String) { state.withLock { if $0.closed == nil { $0.closed = reason } } }
    func take() -> [[UInt8]] { state.withLock { s in let out = s.sent; s.sent = []; return out } }
    var closedReason: String? { state.withLock { $0.closed } }
}

final class HubAndTransportTests: XCTestCase {
    func updates(of doc: Doc, _ body: () -> Void) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let o = doc.onUpdate { u, _ in out.append(UpdateV1.encode(u)) }
        body()
        doc.removeObserver(o)
        return out
    }

    func decoded(_ msgs: [[UInt8]]) -> [ProtocolMessage] { msgs.compactMap { try? ProtocolMessage.decode($0) } }

    /// A relay that gets a struct before the struct it depends on, from another
    /// connection, must pass the released pair to *both* connections.
    func testRelayForwardsStructsReleasedFromPendingToTheirSourceToo() throws {
        let z = Doc(clientID: 77)
        let u = updates(of: z) {
            z.getText().insert("first ", at: 0)
            z.getText().insert("second", at: 6)
        }
        let relay = Doc(clientID: 1)
        let hub = SyncHub(doc: relay, awareness: Awareness(clientID: 1, now: 0))
        let p = RecordingTransport("p"), q = RecordingTransport("q")
        hub.attach(p, now: 0)
        hub.attach(q, now: 0)
        _ = p.take(); _ = q.take()
        // p delivers z's second update (relay: pending), q delivers the first
        hub.handle(.message(ProtocolMessage.sync(.update(u[1])).encoded()), from: p, now: 1)
        XCTAssertTrue(relay.hasPending)
        _ = p.take()   // (the relay asked p for the gap with a step 1)
        hub.handle(.message(ProtocolMessage.sync(.update(u[0])).encoded()), from: q, now: 2)
        XCTAssertEqual(relay.getText().string, "first second")
        // q must receive what was released (it had only the first update)
        let qDoc = Doc(clientID: 2)
        try qDoc.applyUpdate(u[0])
        for case .sync(.update(let b)) in decoded(q.take()) { try qDoc.applyUpdate(b) }
        XCTAssertEqual(qDoc.getText().string, "first second")
        // p gets it as well (p had only the second)
        let pDoc = Doc(clientID: 3)
        try pDoc.applyUpdate(u[1])
        for case .sync(.update(let b)) in decoded(p.take()) { try pDoc.applyUpdate(b) }
        XCTAssertEqual(pDoc.getText().string, "first second")
    }

    func testHubForwardsAndCountsAndReportsStatus() throws {
        let doc = Doc(clientID: 1)
        let aw = Awareness(clientID: 1, now: 0)
        let hub = SyncHub(doc: doc, awareness: aw)
        var events: [SyncEvent] = []
        hub.onEvent = { events.append($0) }
        XCTAssertEqual(hub.status.summary, "offline")
        doc.getText().insert("x", at: 0)
        doc.getText().insert("y", at: 1)
        XCTAssertEqual(hub.status.summary, "offline · 2 local changes")
        let t = RecordingTransport("t")
        hub.attach(t, waitForOpen: true, now: 0)
        XCTAssertTrue(t.take().isEmpty, "nothing before .opened")
        XCTAssertEqual(hub.status.summary, "offline · 2 local changes")
        hub.handle(.opened, from: t, now: 1)
        let opening = decoded(t.take())
        XCTAssertEqual(opening.first, .sync(.step1(stateVector: doc.encodeStateVector())))
        XCTAssertEqual(hub.status.summary, "syncing · 2 local changes")
        // the peer's step 1 (empty) is answered with everything; then its step 2 completes the sync
        hub.handle(.message(ProtocolMessage.sync(.step1(stateVector: [0])).encoded()), from: t, now: 2)
        XCTAssertEqual(decoded(t.take()), [.syncStep2(doc, answering: StateVector())])
        let peer = Doc(clientID: 2)
        peer.getText().insert("p", at: 0)
        hub.handle(.message(ProtocolMessage.syncStep2(peer, answering: doc.stateVector).encoded()), from: t, now: 3)
        XCTAssertEqual(hub.status.unsyncedLocalChanges, 0)
        XCTAssertEqual(hub.status.syncedConnections, 1)
        XCTAssertTrue(events.contains(.synced("t")))
        XCTAssertTrue(sameText(doc.getText().string, "pxy") || sameText(doc.getText().string, "xyp"))
        // a live local edit is sent once and is not counted
        doc.getText().insert("!", at: 0)
        XCTAssertEqual(decoded(t.take()).count, 1)
        XCTAssertEqual(hub.status.unsyncedLocalChanges, 0)
        XCTAssertEqual(hub.status.stats.messagesReceived, 2)
        XCTAssertGreaterThan(hub.status.stats.bytesSent, 0)
        // closing: offline again, totals kept
        hub.handle(.closed("bye"), from: t, now: 4)
        XCTAssertEqual(hub.status.summary, "offline")
        XCTAssertEqual(hub.status.stats.messagesReceived, 2)
        XCTAssertTrue(events.contains(.disconnected("t", "bye")))
    }

    func testMalformedMessageClosesOnlyThatConnection() {
        let hub = SyncHub(doc: Doc(clientID: 1), awareness: Awareness(clientID: 1, now: 0))
        let bad = RecordingTransport("bad"), good = RecordingTransport("good")
        hub.attach(bad, now: 0)
        hub.attach(good, now: 0)
        hub.handle(.message([0, 7]), from: bad, now: 1)
        XCTAssertEqual(bad.closedReason?.hasPrefix("protocol error from peer: unknown sync message at byte 1"), true, bad.closedReason ?? "")
        XCTAssertNil(good.closedReason)
        XCTAssertEqual(hub.sessions.count, 1)
        XCTAssertEqual(hub.status.stats.errors, 1)
    }

    func testQueryAwarenessAndReassertion() throws {
        let aw = Awareness(clientID: 1, now: 0)
        let hub = SyncHub(doc: Doc(clientID: 1), awareness: aw)
        hub.setLocalState(.object([("user", .object([("name", .string("me"))]))]), now: 0)
        let a = RecordingTransport("a"), b = RecordingTransport("b")
        hub.attach(a, now: 0)
        hub.attach(b, now: 0)
        _ = a.take(); _ = b.take()
        // a says we are gone: we keep our state and tell everybody with a higher clock
        let clock = aw.localClock
        hub.handle(.message(ProtocolMessage.awareness(AwarenessUpdate(entries: [.init(clientID: 1, clock: clock, state: nil)]).encoded()).encoded()), from: a, now: 1)
        XCTAssertNotNil(aw.localState)
        XCTAssertEqual(aw.localClock, clock + 1)
        for t in [a, b] {
            guard case .awareness(let u)? = decoded(t.take()).last else { return XCTFail("no reassertion to \(t.label)") }
            XCTAssertEqual(try AwarenessUpdate.decode(u).entries.first?.clock, clock + 1)
        }
        // query: all states
        hub.handle(.message([3]), from: b, now: 2)
        guard case .awareness(let all)? = decoded(b.take()).first else { return XCTFail() }
        XCTAssertEqual(try AwarenessUpdate.decode(all).entries.map(\.clientID), [1])
    }

    func testTwoHubsOverMemoryTransport() throws {
        let ia = Inbox(), ib = Inbox()
        let a = SyncHub(doc: Doc(clientID: 1), awareness: Awareness(clientID: 1, now: 0))
        let b = SyncHub(doc: Doc(clientID: 2), awareness: Awareness(clientID: 2, now: 0))
        a.doc.getText().insert("from a ", at: 0)
        b.doc.getText().insert("from b", at: 0)
        let (ta, tb) = MemoryTransport.pair(ia, ib)
        a.attach(ta, waitForOpen: true, now: 0)
        b.attach(tb, waitForOpen: true, now: 0)
        func pump() { while ia.count + ib.count > 0 { a.drain(ia, now: 0); b.drain(ib, now: 0) } }
        pump()
        XCTAssertEqual(a.doc.getText().string, b.doc.getText().string)
        XCTAssertEqual(a.status.syncedConnections, 1)
        b.doc.getText().insert("+", at: 0)
        pump()
        XCTAssertEqual(a.doc.getText().string, b.doc.getText().string)
        ta.close(reason: "done")
        ta.send([1, 2, 3])   // dropped after close
        pump()
        XCTAssertEqual(a.status.connections, 0)
        XCTAssertEqual(b.status.connections, 0)
        XCTAssertEqual(b.status.stats.errors, 0)
    }

    func testInboxIsThreadSafe() async {
        let inbox = Inbox()
        let t = RecordingTransport("x")
        await withTaskGroup(of: Void.self) { g in
            for i in 0..<8 {
                g.addTask { for j in 0..<1000 { inbox.post(.message([UInt8(i), UInt8(j & 0xFF)]), from: t) } }
            }
        }
        XCTAssertEqual(inbox.drain().count, 8000)
        XCTAssertEqual(inbox.count, 0)
    }

    func testBackoffSequence() {
        var b = Backoff()
        XCTAssertEqual((0..<8).map { _ in b.next() }, [100, 200, 400, 800, 1600, 2500, 2500, 2500])
        b.reset()
        XCTAssertEqual(b.next(), 100)
        XCTAssertEqual(Backoff().delay(forAttempt: 1_000_000), 2500)
        XCTAssertEqual(Backoff(base: 1, cap: Milliseconds.max).delay(forAttempt: 200), Milliseconds.max)
        var c = Backoff(base: 250, cap: 1000)
        XCTAssertEqual((0..<4).map { _ in c.next() }, [250, 500, 1000, 1000])
    }

    func testStatusSummaries() {
        func s(_ conns: Int, _ synced: Int, _ n: Int, _ peers: Int = 0, ro: String? = nil) -> String {
            SyncStatus(connections: conns, syncedConnections: synced, unsyncedLocalChanges: n, peers: peers, readOnlyReason: ro, stats: SyncStats()).summary
        }
        XCTAssertEqual(s(0, 0, 0), "offline")
        XCTAssertEqual(s(0, 0, 1), "offline · 1 local change")
        XCTAssertEqual(s(0, 0, 5), "offline · 5 local changes")
        XCTAssertEqual(s(1, 0, 3), "syncing · 3 local changes")
        XCTAssertEqual(s(1, 1, 0, 1), "synced · 1 peer")
        XCTAssertEqual(s(2, 2, 0, 4), "synced · 4 peers")
        XCTAssertEqual(s(1, 1, 0, ro: "x"), "read-only")
        var t = OfflineTracker()
        t.localChange(shared: false)
        t.localChange(shared: true)
        XCTAssertEqual(t.unsyncedChanges, 1)
        t.synced(now: 9)
        XCTAssertEqual(t.unsyncedChanges, 0)
        XCTAssertEqual(t.lastSynced, 9)
    }
}
