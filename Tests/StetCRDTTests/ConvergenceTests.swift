import XCTest
@testable import StetCRDT

/// Seeded randomized multi-peer sessions: random edits (emoji, CJK, combining marks), random
/// delivery order, duplication, partitions and reconnects. Every peer must converge.
/// A failure prints the seed; rerun one with STET_SEED=<seed>.
final class ConvergenceTests: XCTestCase {
    func seeds(_ n: Int) -> [UInt64] {
        if let s = ProcessInfoShim.env("STET_SEED"), let v = UInt64(s) { return [v] }
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in g.next() }
    }

    func testRandomSessionsConverge() throws {
        for seed in seeds(40) {
            try runSession(seed: seed)
        }
    }

    func runSession(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let n = Int.random(in: 2...5, using: &rng)
        let peers = (0..<n).map { Doc(clientID: ClientID(100 + $0 * 7 + Int.random(in: 0..<5, using: &rng))) }
        var inbox: [[[UInt8]]] = Array(repeating: [], count: n)
        var partitioned = Set<Int>()
        var all: [[UInt8]] = []
        for (i, p) in peers.enumerated() {
            p.onUpdate { u, origin in
                guard origin == nil else { return } // only broadcast local edits
                let bytes = UpdateV1.encode(u)
                all.append(bytes)
                for j in 0..<n where j != i { inbox[j].append(bytes) }
            }
        }
        let steps = Int.random(in: 50...250, using: &rng)
        for _ in 0..<steps {
            let p = Int.random(in: 0..<n, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                randomEdit(peers[p].getText(), &rng)
            case 5..<8:
                // deliver some pending messages in random order, sometimes twice
                guard !partitioned.contains(p), !inbox[p].isEmpty else { continue }
                inbox[p].shuffle(using: &rng)
                let k = Int.random(in: 1...inbox[p].count, using: &rng)
                for m in inbox[p].prefix(k) {
                    try peers[p].applyUpdate(m, origin: "remote")
                    if Int.random(in: 0..<8, using: &rng) == 0 { try peers[p].applyUpdate(m, origin: "remote") }
                }
                inbox[p].removeFirst(k)
            case 8:
                // partition or heal
                if partitioned.contains(p) { partitioned.remove(p) } else { partitioned.insert(p) }
            default:
                // reconnect: full state exchange with a random other peer (sync step 1/2)
                let q = Int.random(in: 0..<n, using: &rng)
                guard q != p, !partitioned.contains(p), !partitioned.contains(q) else { continue }
                try peers[p].applyUpdate(peers[q].encodeStateAsUpdate(from: peers[p].stateVector), origin: "remote")
                try peers[q].applyUpdate(peers[p].encodeStateAsUpdate(from: peers[q].stateVector), origin: "remote")
            }
        }
        // heal everything and deliver the rest in random order
        for p in 0..<n {
            inbox[p].shuffle(using: &rng)
            for m in inbox[p] { try peers[p].applyUpdate(m, origin: "remote") }
        }
        let reference = peers[0].getText().string
        for (i, p) in peers.enumerated() {
            XCTAssertFalse(p.hasPending, "seed \(seed): peer \(i) still has pending structs")
            XCTAssertEqual(Array(p.getText().string.unicodeScalars), Array(reference.unicodeScalars), "seed \(seed): peer \(i) diverged")
            XCTAssertEqual(p.stateVector, peers[0].stateVector, "seed \(seed): state vectors differ")
            XCTAssertEqual(p.deleteSet.normalized(), peers[0].deleteSet.normalized(), "seed \(seed): delete sets differ")
            p.checkInvariants()
        }
        // the merged update of everything, applied in any order, also gives the same text
        let merged = try UpdateV1.mergeUpdates(all.shuffled(using: &rng))
        let fresh = Doc(clientID: 1)
        try fresh.applyUpdate(merged)
        XCTAssertEqual(Array(fresh.getText().string.unicodeScalars), Array(reference.unicodeScalars), "seed \(seed): merged update differs")
        // and a full state round-trips through v2
        let v2 = UpdateV2.encode(peers[0].stateAsUpdate())
        let viaV2 = Doc(clientID: 2)
        viaV2.apply(try UpdateV2.decode(v2))
        XCTAssertEqual(Array(viaV2.getText().string.unicodeScalars), Array(reference.unicodeScalars), "seed \(seed): v2 round trip differs")
    }

    /// Text deltas reported to observers rebuild the same text on a plain string model.
    func testObserverDeltasReplayTheText() throws {
        for seed in seeds(20) {
            var rng = SplitMix(seed: seed)
            let a = Doc(clientID: 1), b = Doc(clientID: 2)
            var model: [UInt16] = []
            b.getText().observe { ev in
                var at = 0
                for d in ev.delta {
                    switch d {
                    case .retain(let n): at += n
                    case .insert(let s): model.insert(contentsOf: s.utf16, at: at); at += s.utf16.count
                    case .delete(let n): model.removeSubrange(at..<(at + n))
                    }
                }
            }
            for _ in 0..<80 {
                randomEdit(a.getText(), &rng)
                if Int.random(in: 0..<3, using: &rng) == 0 { randomEdit(b.getText(), &rng) }
                if Int.random(in: 0..<2, using: &rng) == 0 {
                    try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
                    try a.applyUpdate(b.encodeStateAsUpdate(from: a.stateVector))
                }
                XCTAssertEqual(String(decoding: model, as: UTF16.self), b.getText().string, "seed \(seed)")
            }
        }
    }
}

enum ProcessInfoShim {
    static func env(_ k: String) -> String? {
        guard let p = getenv(k) else { return nil }
        return String(cString: p)
    }
}

/// `applyUpdate(bytes)` takes a fast path for the common shape of updates and falls back to
/// the general algorithm mid-update; both must leave exactly the same store.
final class FastLoadEquivalenceTests: XCTestCase {
    func testFastPathMatchesGeneralPath() throws {
        var g = SystemRandomNumberGenerator()
        let seeds: [UInt64] = ProcessInfoShim.env("STET_SEED").flatMap(UInt64.init).map { [$0] } ?? (0..<25).map { _ in g.next() }
        for seed in seeds {
            var rng = SplitMix(seed: seed)
            let n = Int.random(in: 2...4, using: &rng)
            let peers = (0..<n).map { Doc(clientID: ClientID(10 + $0 * 3)) }
            var updates: [[UInt8]] = []
            for (i, p) in peers.enumerated() {
                p.onUpdate { u, origin in if origin == nil { updates.append(UpdateV1.encode(u)) } }
                _ = i
            }
            for _ in 0..<120 {
                let p = Int.random(in: 0..<n, using: &rng)
                if Int.random(in: 0..<4, using: &rng) == 0, !updates.isEmpty {
                    try peers[p].applyUpdate(updates[Int.random(in: 0..<updates.count, using: &rng)], origin: "remote")
                } else {
                    randomEdit(peers[p].getText(), &rng)
                }
            }
            // the same messages, in a shuffled order (pending structs, mid-update fallbacks),
            // plus full states, through both paths
            var messages = updates + peers.map { $0.encodeStateAsUpdate() }
            messages.shuffle(using: &rng)
            let fast = Doc(clientID: 99), general = Doc(clientID: 99)
            for m in messages {
                try fast.applyUpdate(m)
                general.apply(try UpdateV1.decode(m))
                XCTAssertEqual(fast.hasPending, general.hasPending, "seed \(seed)")
                XCTAssertEqual(hexString(fast.encodeStateAsUpdate()), hexString(general.encodeStateAsUpdate()), "seed \(seed): stores differ")
            }
            XCTAssertFalse(fast.hasPending, "seed \(seed): full states were applied, nothing may wait")
            fast.checkInvariants()
        }
    }
}
