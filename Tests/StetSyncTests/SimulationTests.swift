import XCTest
import StetCRDT
@testable import StetSync

/// Several peers over the seeded network simulator: a relay (star), direct pairs and a
/// triangle, with latency, reordering, duplication, partitions, disconnects and reconnects.
/// Every run prints its seed; `STET_SEED=<seed>` replays one.
final class SimulationTests: XCTestCase {
    /// Asserts that every node has the same text and state vector, nothing pending.
    func assertConverged(_ nodes: [SimNode], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let first = nodes.first else { return }
        for n in nodes {
            XCTAssertFalse(n.doc.hasPending, "\(context): \(n.name) still has pending structs", file: file, line: line)
            XCTAssertTrue(sameText(n.string, first.string), "\(context): \(n.name) has \(n.string.debugDescription), \(first.name) has \(first.string.debugDescription)", file: file, line: line)
            XCTAssertEqual(n.doc.stateVector, first.doc.stateVector, "\(context): state vectors of \(n.name) and \(first.name)", file: file, line: line)
        }
        // the merged result equals applying everybody's full state to one fresh document
        let fresh = Doc(clientID: 1)
        for n in nodes { try? fresh.applyUpdate(n.doc.encodeStateAsUpdate()) }
        XCTAssertTrue(sameText(fresh.getText().string, first.string), "\(context): merge of all states differs", file: file, line: line)
    }

    /// Asserts that every node sees every other node's presence (name) and no one else.
    func assertAwarenessComplete(_ nodes: [SimNode], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for n in nodes {
            let seen = Set(Presence.peers(in: n.awareness).compactMap(\.name))
            let expected = Set(nodes.filter { $0 !== n }.map(\.name))
            XCTAssertEqual(seen, expected, "\(context): awareness at \(n.name)", file: file, line: line)
        }
    }

    func publishPresence(_ n: SimNode, _ rng: inout SeededGenerator, now: Milliseconds) {
        let b = scalarBoundaries(n.string)
        let a = b[Int.random(in: 0..<b.count, using: &rng)], h = b[Int.random(in: 0..<b.count, using: &rng)]
        n.hub.setLocalState(Presence.state(name: n.name, color: Presence.color(forName: n.name),
                                           selection: TextSelection(anchor: a, head: h), in: n.text), now: now)
    }

    /// One randomized session: `topology` wires the nodes; then random edits, cursor moves,
    /// cut links and partitions for a while; then the network heals and everything must
    /// converge — texts, state vectors and awareness.
    func runSession(seed: UInt64, peers: Int, conditions: NetworkSimulator.Conditions, disruptions: Bool,
                    topology: (SimWorld, [SimNode]) -> Void, steps: Int = 250, awarenessSettle: Milliseconds = 3_000) {
        var rng = SeededGenerator(seed: seed ^ 0x5EED)
        let world = SimWorld(seed: seed, conditions: conditions)
        var ids = Set<ClientID>()
        var nodes: [SimNode] = []
        for i in 0..<peers {
            var id: ClientID
            repeat { id = ClientID(UInt32.random(in: 1...UInt32.max, using: &rng)) } while !ids.insert(id).inserted
            nodes.append(world.add(i == 0 ? "host" : "peer\(i)", clientID: id))
        }
        for n in nodes { publishPresence(n, &rng, now: 0) }
        topology(world, nodes)
        var t: Milliseconds = 0
        var healAt: Milliseconds?
        for _ in 0..<steps {
            t += Milliseconds.random(in: 5...300, using: &rng)
            world.run(until: t)
            if let h = healAt, t >= h { world.sim.heal(); healAt = nil }
            let n = nodes[Int.random(in: 0..<nodes.count, using: &rng)]
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<65:
                for _ in 0..<Int.random(in: 1...3, using: &rng) { randomEdit(n.text, &rng) }
            case 65..<80:
                publishPresence(n, &rng, now: t)
            case 80..<88 where disruptions:
                if let l = nodes.randomElement(using: &rng)?.link { world.sim.cut(l) }
            case 88..<92 where disruptions && healAt == nil:
                // split off a random non-empty group of non-host nodes for 0.5–10 s
                let group = nodes.dropFirst().filter { _ in Bool.random(using: &rng) }.map(\.id)
                if !group.isEmpty {
                    world.sim.partition([nodes.map(\.id).filter { !group.contains($0) }, group])
                    healAt = t + Milliseconds.random(in: 500...10_000, using: &rng)
                }
            case 92..<95 where disruptions:
                // graceful close from one side (a user closing the laptop lid politely)
                if let l = n.link { l.close(reason: "bye") }
            default:
                break
            }
        }
        world.sim.heal()
        world.settle()
        world.run(until: world.sim.now + awarenessSettle)
        let context = "seed \(seed)"
        assertConverged(nodes, context)
        assertAwarenessComplete(nodes, context)
        for n in nodes {
            XCTAssertTrue(n.errors.isEmpty, "\(context): \(n.name) saw protocol errors \(n.errors)")
            XCTAssertFalse(n.hub.status.offline, "\(context): \(n.name) is offline at the end")
            XCTAssertEqual(n.hub.status.unsyncedLocalChanges, 0, "\(context): \(n.name) still counts local changes")
        }
        let s = world.sim.stats
        XCTAssertGreaterThan(s.delivered, 0)
        let disconnects = nodes.map { $0.events.filter { if case .disconnected = $0 { return true }; return false }.count }.reduce(0, +)
        print("  seed \(seed): \(peers) peers, \(nodes[0].string.unicodeScalars.count) scalars, sent \(s.sent) delivered \(s.delivered) duplicated \(s.duplicated) lost \(s.lost) links \(s.links) refused \(s.refused) disconnects \(disconnects), t=\(world.sim.now) ms")
    }

    /// Clients 1… keep a connection to node 0 (the relay).
    static func star(_ w: SimWorld, _ nodes: [SimNode]) {
        for c in nodes.dropFirst() { w.keepConnected(c, to: nodes[0]) }
    }

    /// Node i keeps a connection to node i-1 (a chain of relays).
    static func chain(_ w: SimWorld, _ nodes: [SimNode]) {
        for (i, n) in nodes.enumerated() where i > 0 { w.keepConnected(n, to: nodes[i - 1]) }
    }

    func testStarOfThreeToFiveOverALossyNetwork() {
        for seed in testSeeds(6) {
            let peers = 3 + Int(seed % 3)   // 3, 4 or 5 peers, host included
            runSession(seed: seed, peers: peers,
                       conditions: .init(minLatency: 1, maxLatency: 120, reorder: false, duplicate: 0.05),
                       disruptions: true, topology: Self.star)
        }
    }

    func testStarWithReorderingAndDuplication() {
        for seed in testSeeds(4) {
            runSession(seed: seed, peers: 4,
                       conditions: .init(minLatency: 1, maxLatency: 200, reorder: true, duplicate: 0.2),
                       disruptions: true, topology: Self.star)
        }
    }

    func testDirectPairs() {
        for seed in testSeeds(6) {
            runSession(seed: seed, peers: 2,
                       conditions: .init(minLatency: 0, maxLatency: 80, reorder: seed % 2 == 0, duplicate: 0.1),
                       disruptions: true, topology: Self.star)
        }
    }

    func testChainRelaysThroughIntermediatePeers() {
        // host <- peer1 <- peer2 <- peer3: every update crosses intermediate relays.
        // Awareness gets one renewal period (15 s) to settle: when a middle link reconnects,
        // a relay further away may have applied the removal of a client behind it at that
        // client's clock, and (as in y-protocols) only the client's next renewal brings it
        // back there.
        for seed in testSeeds(3) {
            runSession(seed: seed, peers: 4,
                       conditions: .init(minLatency: 1, maxLatency: 60, reorder: true, duplicate: 0.1),
                       disruptions: true, topology: Self.chain, awarenessSettle: 17_000)
        }
    }

    func testTriangleMeshWithoutDisruptions() {
        for seed in testSeeds(3) {
            runSession(seed: seed, peers: 3,
                       conditions: .init(minLatency: 1, maxLatency: 100, reorder: true, duplicate: 0.1),
                       disruptions: false, topology: { w, n in
                           w.keepConnected(n[1], to: n[0])
                           w.keepConnected(n[2], to: n[1])
                           w.connect(n[2], n[0])   // the third edge: updates arrive twice, by two routes
                       })
        }
    }

    func testOfflineEditsMergeAfterReconnect() {
        let seed = envSeed() ?? 42
        print("testOfflineEditsMergeAfterReconnect: STET_SEED=\(seed)")
        let world = SimWorld(seed: seed, conditions: .init(minLatency: 5, maxLatency: 40))
        let host = world.add("host", clientID: 1)
        let alice = world.add("alice", clientID: 2)
        let bob = world.add("bob", clientID: 3)
        world.keepConnected(alice, to: host)
        world.keepConnected(bob, to: host)
        for n in [host, alice, bob] {
            n.hub.setLocalState(Presence.state(name: n.name, color: Presence.color(forName: n.name), selection: nil, in: n.text), now: 0)
        }
        host.text.insert("shared line\n", at: 0)
        world.run(until: 1_000)
        XCTAssertEqual(alice.string, "shared line\n")
        XCTAssertEqual(alice.hub.status.summary, "synced · 2 peers")

        // alice goes offline and keeps typing; bob edits too
        world.sim.partition([[host.id, bob.id], [alice.id]])
        world.run(until: 2_000)
        XCTAssertTrue(alice.hub.status.offline)
        for w in ["one ", "two ", "three "] { alice.text.insert(w, at: alice.text.length) }
        alice.text.delete(at: 0, count: 7)   // "shared " -> gone
        bob.text.insert("bob was here\n", at: bob.text.length)
        world.run(until: 5_000)
        XCTAssertEqual(alice.hub.status.unsyncedLocalChanges, 4)
        XCTAssertEqual(alice.hub.status.summary, "offline · 4 local changes")
        XCTAssertFalse(host.string.contains("one"))
        // bob no longer sees alice (her connection closed at the host)
        XCTAssertEqual(Set(Presence.peers(in: bob.awareness).compactMap(\.name)), ["host"])

        // reconnect: backoff, then step 1 / step 2 both ways
        world.sim.heal()
        world.run(until: 9_000)
        XCTAssertEqual(alice.hub.status.unsyncedLocalChanges, 0)
        XCTAssertEqual(alice.hub.status.summary, "synced · 2 peers")
        assertConverged([host, alice, bob], "offline merge")
        XCTAssertTrue(host.string.hasPrefix("line\n"))
        XCTAssertTrue(host.string.contains("bob was here\n"))
        XCTAssertTrue(host.string.contains("one two three "))
        assertAwarenessComplete([host, alice, bob], "after reconnect")
        XCTAssertLessThanOrEqual(alice.backoff.attempt, 0)
    }

    func testBackoffGrowsWhileUnreachableAndResetsOnOpen() {
        let world = SimWorld(seed: envSeed() ?? 7, conditions: .init(minLatency: 10, maxLatency: 10))
        let host = world.add("host", clientID: 1)
        let c = world.add("c", clientID: 2)
        world.sim.partition([[host.id], [c.id]])
        world.keepConnected(c, to: host)
        var delays: [Milliseconds] = []
        var last = c.backoff.attempt
        var t: Milliseconds = 0
        while t < 12_000 {
            t += 10
            world.run(until: t)
            if c.backoff.attempt != last, let at = c.reconnectAt {
                delays.append(at - world.sim.now)
                last = c.backoff.attempt
            }
        }
        XCTAssertEqual(Array(delays.prefix(7)), [100, 200, 400, 800, 1600, 2500, 2500])
        world.sim.heal()
        world.run(until: t + 4_000)
        XCTAssertEqual(c.backoff.attempt, 0)
        XCTAssertTrue(c.hub.sessions.first?.fullySynced ?? false)
    }

    func testAwarenessAppearsUpdatesAndDisappears() throws {
        let world = SimWorld(seed: envSeed() ?? 3, conditions: .init(minLatency: 5, maxLatency: 20))
        let host = world.add("host", clientID: 1)
        let alice = world.add("alice", clientID: 2)
        let bob = world.add("bob", clientID: 3)
        host.text.insert("0123456789", at: 0)
        world.keepConnected(alice, to: host)
        world.keepConnected(bob, to: host)
        world.run(until: 500)
        // appears
        alice.hub.setLocalState(Presence.state(name: "alice", color: "#ff0000", selection: TextSelection(anchor: 2, head: 5), in: alice.text), now: world.sim.now)
        world.run(until: 1_000)
        var seen = try XCTUnwrap(Presence.peers(in: bob.awareness).first { $0.name == "alice" })
        XCTAssertEqual(Presence.selection(of: seen, in: bob.doc), TextSelection(anchor: 2, head: 5))
        XCTAssertTrue(bob.events.contains { if case .awareness(let c) = $0 { return c.added.contains(2) }; return false })
        // updates: alice moves; bob inserts before her selection, which moves with the text
        alice.hub.setLocalState(Presence.state(name: "alice", color: "#ff0000", selection: TextSelection(caret: 8), in: alice.text), now: world.sim.now)
        bob.text.insert(">>", at: 0)
        world.run(until: 1_500)
        seen = try XCTUnwrap(Presence.peers(in: bob.awareness).first { $0.name == "alice" })
        XCTAssertEqual(Presence.selection(of: seen, in: bob.doc), TextSelection(caret: 10))
        // disappears when her connection is cut (the host removes her and tells bob)
        world.sim.cut(try XCTUnwrap(alice.link))
        world.sim.partition([[host.id, bob.id], [alice.id]])
        world.run(until: 2_000)
        XCTAssertNil(Presence.peers(in: bob.awareness).first { $0.name == "alice" })
        XCTAssertTrue(bob.events.contains { if case .awareness(let c) = $0 { return c.removed.contains(2) }; return false })
        // and comes back at once on reconnect (not after a 15 s renewal)
        world.sim.heal()
        world.run(until: 5_000)
        XCTAssertNotNil(Presence.peers(in: bob.awareness).first { $0.name == "alice" })
        XCTAssertNotNil(Presence.peers(in: alice.awareness).first { $0.clientID == 3 })
        // leaving politely removes her at once everywhere
        alice.upstream = nil
        alice.hub.leave(now: world.sim.now)
        world.run(until: 5_100)
        XCTAssertNil(bob.awareness.states[2])
        XCTAssertNil(host.awareness.states[2])
    }

    func testAwarenessTimesOutAfter30SecondsOfSilence() throws {
        let world = SimWorld(seed: envSeed() ?? 5, conditions: .init(minLatency: 5, maxLatency: 20))
        let host = world.add("host", clientID: 1)
        let alice = world.add("alice", clientID: 2)
        let bob = world.add("bob", clientID: 3)
        world.keepConnected(alice, to: host)
        world.keepConnected(bob, to: host)
        for n in [host, alice, bob] { n.hub.setLocalState(Presence.state(name: n.name, color: "#00ff00", cursor: nil), now: 0) }
        // renewals keep everybody present for minutes
        world.run(until: 100_000)
        assertAwarenessComplete([host, alice, bob], "renewed")
        // alice hangs: the connection stays open, but she neither renews nor answers
        alice.frozen = true
        let frozenAt = world.sim.now
        world.run(until: frozenAt + 10_000)
        XCTAssertNotNil(bob.awareness.states[2])
        world.run(until: frozenAt + 47_000)
        XCTAssertNil(host.awareness.states[2], "the host drops alice after 30 s without renewal")
        XCTAssertNil(bob.awareness.states[2], "so does bob")
        XCTAssertNotNil(bob.awareness.states[1])
        // she wakes up: her next renewal brings her back
        alice.frozen = false
        world.run(until: frozenAt + 70_000)
        XCTAssertNotNil(bob.awareness.states[2])
        assertAwarenessComplete([host, alice, bob], "after waking")
    }

    func testReadOnlyPeerThroughTheHost() {
        let world = SimWorld(seed: envSeed() ?? 11, conditions: .init(minLatency: 2, maxLatency: 30))
        let host = world.add("host", clientID: 1)
        let reader = world.add("reader", clientID: 2)
        let writer = world.add("writer", clientID: 3)
        world.hostAccess[reader.id] = .readOnly
        world.keepConnected(reader, to: host)
        world.keepConnected(writer, to: host)
        host.text.insert("document", at: 0)
        world.run(until: 1_000)
        XCTAssertEqual(reader.string, "document")
        reader.text.insert("VANDALISM ", at: 0)
        world.run(until: 2_000)
        XCTAssertEqual(host.string, "document")
        XCTAssertEqual(writer.string, "document")
        XCTAssertEqual(host.hub.status.stats.writesDropped, 1)
        XCTAssertTrue(host.events.contains { if case .writeDropped = $0 { return true }; return false })
        XCTAssertEqual(reader.hub.status.readOnlyReason, "read-only: your changes are not shared")
        reader.text.insert("more ", at: 0)
        // the first edit went out before the host said no; the second is held
        XCTAssertEqual(reader.hub.status.summary, "read-only · 1 local change not shared")
        // the reader still gets everyone else's edits
        writer.text.insert("my ", at: 0)
        world.run(until: 3_000)
        XCTAssertEqual(host.string, "my document")
        XCTAssertTrue(reader.string.hasSuffix("my document"))
        // reconnecting does not smuggle the edits in through step 2
        world.sim.cut(reader.link!)
        world.run(until: 8_000)
        XCTAssertEqual(host.string, "my document")
        XCTAssertEqual(writer.string, "my document")
    }

    func testMalformedPeerIsDisconnectedOthersCarryOn() throws {
        let world = SimWorld(seed: envSeed() ?? 13, conditions: .init(minLatency: 2, maxLatency: 30))
        let host = world.add("host", clientID: 1)
        let good = world.add("good", clientID: 2)
        world.keepConnected(good, to: host)
        let rogueInbox = Inbox()
        let rogue = world.sim.addNode(rogueInbox, name: "rogue")
        let (r, h) = world.sim.connect(rogue, host.id)
        host.hub.attach(h, waitForOpen: true, now: 0)
        world.run(until: 500)
        r.send([0, 1, 200, 1, 2, 3])          // a step 2 whose length runs past the end
        world.run(until: 1_000)
        XCTAssertEqual(host.errors.count, 1)
        XCTAssertTrue(host.errors[0].contains("truncated message at byte 2"), host.errors[0])
        let closed = rogueInbox.drain().contains { if case .closed(let why) = $0.event { return why.contains("protocol error") }; return false }
        XCTAssertTrue(closed, "the rogue is told why")
        XCTAssertEqual(host.hub.sessions.count, 1)
        good.text.insert("still fine", at: 0)
        world.run(until: 1_500)
        XCTAssertEqual(host.string, "still fine")
    }

    func testSimulatorIsDeterministic() {
        func trace(_ seed: UInt64) -> [String] {
            let world = SimWorld(seed: seed, conditions: .init(minLatency: 1, maxLatency: 100, reorder: true, duplicate: 0.3))
            let a = world.add("a", clientID: 1), b = world.add("b", clientID: 2), c = world.add("c", clientID: 3)
            world.keepConnected(b, to: a)
            world.keepConnected(c, to: a)
            var rng = SeededGenerator(seed: seed)
            var out: [String] = []
            for i in 0..<50 {
                randomEdit([a, b, c][i % 3].text, &rng)
                world.run(until: Milliseconds(i * 37))
                out.append("\(world.sim.stats.delivered) \(a.string.utf8.count) \(b.string.utf8.count)")
            }
            return out
        }
        let seed = envSeed() ?? 99
        XCTAssertEqual(trace(seed), trace(seed))
        XCTAssertNotEqual(trace(seed), trace(seed &+ 1))
    }
}
