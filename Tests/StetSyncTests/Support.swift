import Foundation
import XCTest
import StetCRDT
@testable import StetSync

/// The repository root (tests read vectors in place).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `STET_SEED` from the environment, if set.
func envSeed() -> UInt64? {
    ProcessInfo.processInfo.environment["STET_SEED"].flatMap { UInt64($0) }
}

/// The seeds of a randomized test: `STET_SEED` alone if set, else `count` fresh ones.
/// Each seed is printed, so that a failure can be replayed with `STET_SEED=<seed>`.
func testSeeds(_ count: Int, _ name: String = #function) -> [UInt64] {
    if let s = envSeed() {
        print("\(name): STET_SEED=\(s)")
        return [s]
    }
    var g = SystemRandomNumberGenerator()
    let seeds = (0..<count).map { _ in g.next() }
    print("\(name): seeds \(seeds.map(String.init).joined(separator: " ")) (replay one with STET_SEED=<seed>)")
    return seeds
}

func hex(_ b: [UInt8]) -> String { hexString(b) }

func unhex(_ s: String) -> [UInt8] {
    guard let b = bytesFromHex(s) else { fatalError("bad hex in test data: \(s.prefix(40))") }
    return b
}

/// A vector file from Tests/StetCRDTTests/Vectors, as parsed JSON.
func loadVector(_ name: String) throws -> JSON {
    let url = repoRoot.appendingPathComponent("Tests/StetCRDTTests/Vectors/\(name).json")
    let text = try String(contentsOf: url, encoding: .utf8)
    return try JSON.parse(text, maxDepth: 512)
}

/// UTF-16 offsets of the scalar boundaries of `s` (where edits may cut).
func scalarBoundaries(_ s: String) -> [Int] {
    var out = [0]
    var o = 0
    for u in s.unicodeScalars { o += u.utf16.count; out.append(o) }
    return out
}

/// Text pieces mixing ASCII, CJK, emoji (surrogate pairs), ZWJ sequences and combining marks.
let samplePieces = ["a", "b", "xyz", " ", "\n", "日本", "𠮷", "😀", "👨‍👩‍👧", "e\u{301}", "ñ", "hello ", "🎉🔥"]

/// One random local edit on a scalar boundary.
func randomEdit<R: RandomNumberGenerator>(_ text: YText, _ rng: inout R) {
    let b = scalarBoundaries(text.string)
    if b.count > 1 && Int.random(in: 0..<3, using: &rng) == 0 {
        let i = Int.random(in: 0..<(b.count - 1), using: &rng)
        let j = Int.random(in: (i + 1)...min(b.count - 1, i + 6), using: &rng)
        text.delete(at: b[i], count: b[j] - b[i])
    } else {
        let at = b[Int.random(in: 0..<b.count, using: &rng)]
        text.insert(samplePieces[Int.random(in: 0..<samplePieces.count, using: &rng)], at: at)
    }
}

/// Compares texts by scalars (Swift `==` uses canonical equivalence).
func sameText(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars) == Array(b.unicodeScalars)
}

/// A peer in a simulated network: document, awareness, hub and inbox, plus the
/// reconnect logic a real client has (backoff after a closed connection).
final class SimNode {
    let name: String
    let doc: Doc
    let awareness: Awareness
    let hub: SyncHub
    let inbox = Inbox()
    var id: NetworkSimulator.NodeID = -1
    /// For a client in a star: the host it (re)connects to.
    var upstream: NetworkSimulator.NodeID?
    var link: SimulatedTransport?
    var reconnectAt: Milliseconds?
    var backoff = Backoff()
    var events: [SyncEvent] = []
    var errors: [String] = []
    var access: Access = .readWrite
    /// A frozen node handles nothing and sends nothing (a hung process): its peers only
    /// notice through awareness timeouts.
    var frozen = false

    init(name: String, clientID: ClientID, now: Milliseconds, options: SyncHub.Options = .init()) {
        self.name = name
        doc = Doc(clientID: clientID)
        awareness = Awareness(clientID: clientID, now: now)
        hub = SyncHub(doc: doc, awareness: awareness, options: options)
        hub.onEvent = { [unowned self] e in
            self.events.append(e)
            if case .disconnected(_, let reason) = e, reason.hasPrefix("protocol error") { self.errors.append(reason) }
        }
    }

    var text: YText { doc.getText() }
    var string: String { text.string }
}

/// Drives nodes over a `NetworkSimulator`: delivers events in time order, lets every node
/// handle its inbox, reconnects clients with backoff, ticks hubs once a second.
final class SimWorld {
    let sim: NetworkSimulator
    var nodes: [SimNode] = []
    var lastTick: Milliseconds = 0
    /// The (server-side) access each node's host gives it, by node id.
    var hostAccess: [NetworkSimulator.NodeID: Access] = [:]

    init(seed: UInt64, conditions: NetworkSimulator.Conditions) {
        sim = NetworkSimulator(seed: seed, conditions: conditions)
    }

    @discardableResult
    func add(_ name: String, clientID: ClientID, options: SyncHub.Options = .init()) -> SimNode {
        let n = SimNode(name: name, clientID: clientID, now: sim.now, options: options)
        n.id = sim.addNode(n.inbox, name: name)
        nodes.append(n)
        return n
    }

    /// Connects `a` to `b`; both hubs attach their end, starting on `.opened`. Returns
    /// `a`'s end.
    @discardableResult
    func connect(_ a: SimNode, _ b: SimNode) -> SimulatedTransport {
        let (ea, eb) = sim.connect(a.id, b.id)
        a.hub.attach(ea, localAccess: a.access, waitForOpen: true, now: sim.now)
        b.hub.attach(eb, peerAccess: hostAccess[a.id] ?? .readWrite, waitForOpen: true, now: sim.now)
        return ea
    }

    /// Makes `client` keep a connection to `host` (reconnecting with backoff).
    func keepConnected(_ client: SimNode, to host: SimNode) {
        client.upstream = host.id
        client.link = connect(client, host)
    }

    /// Handles every node's inbox at the current time.
    func process() {
        let now = sim.now
        for n in nodes where !n.frozen {
            for d in n.inbox.drain() {
                if case .opened = d.event, n.upstream != nil, d.source === n.link { n.backoff.reset() }
                n.hub.handle(d.event, from: d.source, now: now)
                if case .closed = d.event, n.upstream != nil, d.source === n.link {
                    n.link = nil
                    n.reconnectAt = now + n.backoff.next()
                }
            }
        }
        for n in nodes {
            if let t = n.reconnectAt, t <= now, let up = n.upstream {
                n.reconnectAt = nil
                n.link = connect(n, nodes.first { $0.id == up }!)
            }
        }
        if now - lastTick >= 1000 {
            lastTick = now
            for n in nodes where !n.frozen { n.hub.tick(now: now) }
        }
    }

    /// Runs the network until `time`, processing after every delivery time and at every
    /// reconnect deadline and tick.
    func run(until time: Milliseconds) {
        while true {
            var next = sim.nextEventTime ?? Milliseconds.max
            for n in nodes { if let t = n.reconnectAt { next = min(next, t) } }
            next = min(next, lastTick + 1000)
            if next > time { break }
            sim.run(until: max(next, sim.now))
            process()
        }
        sim.run(until: time)
        process()
    }

    /// Runs until nothing is in flight and no reconnect is due (or `limit` passes).
    func settle(limit: Milliseconds = 120_000) {
        let end = sim.now + limit
        while sim.now < end {
            run(until: sim.now + 500)
            if sim.pending == 0 && nodes.allSatisfy({ $0.frozen || ($0.reconnectAt == nil && $0.inbox.count == 0) }) { return }
        }
    }
}
