import Foundation
import XCTest
@testable import StetCRDT

/// Differential tests: the same random concurrent sessions run in StetCRDT, in yrs (through
/// pycrdt) and in Yjs (Debian's node-yjs). Texts, produced updates, full states and state
/// vectors must agree, and each side's bytes must load in the other.
/// `scripts/test` installs both oracles; plain `swift test` without them fails with a hint.
final class DifferentialTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    enum Oracle { case pycrdt, yjs }

    /// Runs one oracle process over many sessions (one JSON document per line each way).
    func runOracle(_ oracle: Oracle, _ inputs: [String]) throws -> [[String: Any]] {
        let env = ProcessInfo.processInfo.environment
        let exe: String
        let script: String
        var environment = env
        switch oracle {
        case .pycrdt:
            exe = env["STET_PYTHON"] ?? Self.repoRoot.appendingPathComponent(".venv/bin/python").path
            script = Self.repoRoot.appendingPathComponent("Tests/Oracles/pycrdt_oracle.py").path
        case .yjs:
            exe = env["STET_NODE"] ?? "/usr/bin/node"
            script = Self.repoRoot.appendingPathComponent("Tests/Oracles/yjs_oracle.cjs").path
            environment["NODE_PATH"] = env["STET_NODE_PATH"] ?? "/usr/share/nodejs"
        }
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw OracleUnavailable("oracle runtime \(exe) not found: run scripts/test, which installs pycrdt in .venv and Debian's node-yjs")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("stet-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inURL = tmp.appendingPathComponent("in.jsonl"), outURL = tmp.appendingPathComponent("out.jsonl"), errURL = tmp.appendingPathComponent("err.txt")
        try (inputs.joined(separator: "\n") + "\n").write(to: inURL, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = [script, "--lines"]
        p.environment = environment
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        let out = try String(contentsOf: outURL, encoding: .utf8)
        let lines = out.split(separator: "\n")
        guard p.terminationStatus == 0, lines.count == inputs.count else {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw OracleUnavailable("oracle \(oracle) failed (status \(p.terminationStatus), \(lines.count)/\(inputs.count) answers): \(err.prefix(2000))")
        }
        return try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// A random session, executed on our documents while it is generated. Delivery is causal
    /// (each peer catches up along the global order of updates, with repeats), because yrs and
    /// Yjs show different intermediate texts for out-of-order delivery (see pycrdt_oracle.py).
    struct Session {
        var json: String
        var peers: [Doc]
        var updates: [[UInt8]]
    }

    func makeSession(seed: UInt64) throws -> Session {
        var rng = SplitMix(seed: seed)
        let n = Int.random(in: 2...4, using: &rng)
        var ids: [ClientID] = []
        while ids.count < n {
            let id = ClientID(UInt32.random(in: 1...UInt32.max, using: &rng))
            if !ids.contains(id) { ids.append(id) }
        }
        let peers = ids.map { Doc(clientID: $0) }
        var updates: [[UInt8]] = []
        var author: [Int] = []
        var cursor = Array(repeating: 0, count: n)
        var events: [JSON] = []
        for (i, p) in peers.enumerated() {
            p.onUpdate { u, origin in
                if origin == nil { updates.append(UpdateV1.encode(u)); author.append(i) }
            }
        }
        for _ in 0..<Int.random(in: 20...80, using: &rng) {
            let p = Int.random(in: 0..<n, using: &rng)
            let text = peers[p].getText()
            if Int.random(in: 0..<3, using: &rng) == 0 {
                // catch up to a random point of the global order, sometimes re-delivering one
                let target = Int.random(in: cursor[p]...updates.count, using: &rng)
                while cursor[p] < target {
                    let k = cursor[p]
                    if author[k] != p {
                        try peers[p].applyUpdate(updates[k], origin: "remote")
                        events.append(.object([("peer", .number(Double(p))), ("op", .string("deliver")), ("update", .number(Double(k)))]))
                    }
                    cursor[p] += 1
                }
                if cursor[p] > 0 && Int.random(in: 0..<4, using: &rng) == 0 {
                    let k = Int.random(in: 0..<cursor[p], using: &rng)
                    if author[k] != p {
                        try peers[p].applyUpdate(updates[k], origin: "remote")
                        events.append(.object([("peer", .number(Double(p))), ("op", .string("deliver")), ("update", .number(Double(k)))]))
                    }
                }
                continue
            }
            let b = scalarBoundaries(text.string)
            if b.count > 1 && Int.random(in: 0..<3, using: &rng) == 0 {
                let i = Int.random(in: 0..<(b.count - 1), using: &rng)
                let j = Int.random(in: (i + 1)...min(b.count - 1, i + 6), using: &rng)
                text.delete(at: b[i], count: b[j] - b[i])
                events.append(.object([("peer", .number(Double(p))), ("op", .string("delete")), ("index", .number(Double(b[i]))), ("len", .number(Double(b[j] - b[i])))]))
            } else {
                let at = b[Int.random(in: 0..<b.count, using: &rng)]
                let piece = samplePieces[Int.random(in: 0..<samplePieces.count, using: &rng)]
                text.insert(piece, at: at)
                events.append(.object([("peer", .number(Double(p))), ("op", .string("insert")), ("index", .number(Double(at))), ("text", .string(piece))]))
            }
        }
        // final sync as the oracles do it: every update to every peer, in order
        for p in peers { for u in updates { try p.applyUpdate(u, origin: "remote") } }
        let doc = JSON.object([
            ("peers", .array(ids.map { .object([("clientID", .number(Double($0)))]) })),
            ("finalSync", .bool(true)),
            ("events", .array(events)),
        ])
        return Session(json: doc.serialized, peers: peers, updates: updates)
    }

    func compare(_ oracle: Oracle, sessions count: Int) throws {
        var seedGen = SystemRandomNumberGenerator()
        let seeds: [UInt64] = ProcessInfoShim.env("STET_SEED").flatMap(UInt64.init).map { [$0] } ?? (0..<count).map { _ in seedGen.next() }
        let sessions = try seeds.map { try makeSession(seed: $0) }
        let answers = try runOracle(oracle, sessions.map { $0.json })
        var loadInputs: [String] = []
        for (si, (s, a)) in zip(sessions, answers).enumerated() {
            let seed = seeds[si]
            if let e = a["error"] { XCTFail("seed \(seed): oracle error \(e)"); continue }
            let theirUpdates = a["updates"] as! [String]
            XCTAssertEqual(theirUpdates.count, s.updates.count, "seed \(seed): update count")
            for (k, (mine, theirs)) in zip(s.updates, theirUpdates).enumerated() {
                let m = try UpdateV1.decode(mine), t = try UpdateV1.decode(hex(theirs))
                XCTAssertEqual(m.clients, t.clients, "seed \(seed) update \(k): structs differ: \(firstDifference(m.clients, t.clients))")
                XCTAssertEqual(m.deleteSet.normalized(), t.deleteSet.normalized(), "seed \(seed) update \(k): delete sets differ")
            }
            for (pi, peer) in (a["peers"] as! [[String: Any]]).enumerated() {
                let ours = s.peers[pi]
                XCTAssertScalarsEqual(ours.getText().string, peer["text"] as! String, "seed \(seed) peer \(pi) (\(oracle))")
                XCTAssertEqual(ours.stateVector.clocks, try StateVector.decode(hex(peer["stateVector"])).clocks, "seed \(seed) peer \(pi): state vector")
                let mineFull = ours.stateAsUpdate(), theirsFull = try UpdateV1.decode(hex(peer["fullState"]))
                // yrs squashes adjacent items a little differently from Yjs (a storage detail):
                // against yrs compare unit by unit; against Yjs the structs must be identical
                if oracle == .pycrdt {
                    XCTAssertEqual(unitView(mineFull), unitView(theirsFull), "seed \(seed) peer \(pi): full state differs unit by unit")
                } else { XCTAssertEqual(mineFull.clients, theirsFull.clients, "seed \(seed) peer \(pi): full state structs differ: \(firstDifference(mineFull.clients, theirsFull.clients))") }
                XCTAssertEqual(mineFull.deleteSet.normalized(), theirsFull.deleteSet.normalized(), "seed \(seed) peer \(pi): full state delete set differs")
                // their full state loads in ours
                let fresh = Doc(clientID: 3)
                try fresh.applyUpdate(hex(peer["fullState"]))
                XCTAssertScalarsEqual(fresh.getText().string, peer["text"] as! String, "seed \(seed) peer \(pi): their bytes in our doc")
            }
            // our bytes load in theirs (checked below in one batch)
            loadInputs.append(JSON.object([("mode", .string("load")), ("updates", .array([.string(hexString(s.peers[0].encodeStateAsUpdate()))]))]).serialized)
        }
        let loads = try runOracle(oracle, loadInputs)
        for (i, l) in loads.enumerated() {
            XCTAssertScalarsEqual(l["text"] as? String ?? "<\(l)>", sessions[i].peers[0].getText().string, "seed \(seeds[i]): our full state loaded in \(oracle)")
        }
    }

    func testAgainstYrsThroughPycrdt() throws { try compare(.pycrdt, sessions: 40) }

    func testAgainstYjs() throws { try compare(.yjs, sessions: 40) }
}

/// An environment problem reported as a failure (not a skip): the suite must not go green
/// without its oracles.
struct OracleUnavailable: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The first struct where two updates differ, for readable failure messages.
func firstDifference(_ a: [ClientStructs], _ b: [ClientStructs]) -> String {
    for (x, y) in zip(a, b) {
        if x.client != y.client { return "client \(x.client) vs \(y.client)" }
        for (i, (s, t)) in zip(x.structs, y.structs).enumerated() where s != t {
            return "client \(x.client) struct \(i): ours \(s.json.serialized) theirs \(t.json.serialized); ours count \(x.structs.count) theirs \(y.structs.count)"
        }
        if x.structs.count != y.structs.count { return "client \(x.client): \(x.structs.count) vs \(y.structs.count) structs" }
    }
    return "\(a.count) vs \(b.count) clients"
}

/// One clock unit of an update with the origins it implies: independent of how runs of
/// units are cut into items.
struct UnitRecord: Equatable {
    var id: ID
    var origin: ID?
    var rightOrigin: ID?
    var parent: String?
    var unit: String
}

func unitView(_ u: Update) -> [UnitRecord] {
    var out: [UnitRecord] = []
    for cs in u.clients.sorted(by: { $0.client > $1.client }) {
        for s in cs.structs {
            guard case .item(let it) = s else { continue }
            var units: [String] = []
            switch it.content {
            case .string(let str): units = Array(str.utf16).map { String($0) }
            default: units = Array(repeating: it.content.kindName, count: it.length)
            }
            for k in 0..<it.length {
                let origin = k == 0 ? it.origin : ID(client: cs.client, clock: it.clock + k - 1)
                var parent: String? = nil
                if k == 0, case .root(let n)? = it.parent { parent = n }
                out.append(UnitRecord(id: ID(client: cs.client, clock: it.clock + k), origin: origin, rightOrigin: it.rightOrigin, parent: parent, unit: units[k]))
            }
        }
    }
    return out
}
