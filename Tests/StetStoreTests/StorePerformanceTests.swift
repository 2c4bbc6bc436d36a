#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import StetStore
import XCTest

/// Measures and prints; asserts only correctness (timings depend on the machine and build).
/// Each figure is the best of three runs, to filter out a busy machine.
final class StorePerformanceTests: XCTestCase {
    var dir: TempDir!
    override func setUp() { dir = TempDir("perf") }
    override func tearDown() { dir.remove() }

    #if DEBUG
    let build = "debug"
    #else
    let build = "release"
    #endif

    func testAppendAndSyncCost() throws {
        let store = try DocumentStore(path: dir.file("notes.md"), fileMode: 0o644)
        _ = try store.load()
        let update = [UInt8](repeating: 0x42, count: 30)
        let n = 10_000
        let perAppend = try best {
            for _ in 0..<n { try store.append([.update(update)]) }
        } / Double(n) * 1e6
        let syncs = 100
        let perSync = try best {
            for _ in 0..<syncs {
                try store.append([.update(update)])
                try store.sync()
            }
        } / Double(syncs) * 1e6
        print("[perf \(build)] append of one 30-byte update: \(fmt(perAppend)) µs; append + fdatasync: \(fmt(perSync)) µs")
        XCTAssertEqual(try store.load().updates.count, 3 * (n + syncs))
    }

    func testLoadManySmallRecordsAndOneLargeRecord() throws {
        let p = dir.file("many.md")
        var store = try DocumentStore(path: p, fileMode: 0o644)
        _ = try store.load()
        let n = 200_000
        var batch: [StoreRecord] = []
        for i in 0..<n {
            batch.append(.update([UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8)] + [UInt8](repeating: 7, count: 28)))
            if batch.count == 1000 { try store.append(batch); batch.removeAll(keepingCapacity: true) }
        }
        store.close()
        store = try DocumentStore(path: p, fileMode: 0o644)
        var many = try store.load()
        let manyTime = try best { many = try store.load() }
        XCTAssertEqual(many.updates.count, n)
        XCTAssertNil(many.damage)
        XCTAssertEqual(many.updates[12345][0], UInt8(12345 & 0xFF))
        print("[perf \(build)] load of \(n) 30-byte records (\(many.byteCount / 1024) KiB): \(fmt(manyTime * 1000)) ms")
        store.close()

        let q = dir.file("big.md")
        store = try DocumentStore(path: q, fileMode: 0o644)
        _ = try store.load()
        var rng = SeededRandom(seed: 1)
        let big = rng.bytes(10 << 20)
        var appendTime = Double.infinity
        for _ in 0..<3 {
            try store.compact([])
            let t = now()
            try store.append([.update(big)])
            appendTime = min(appendTime, now() - t)
        }
        store.close()
        store = try DocumentStore(path: q, fileMode: 0o644)
        var one = try store.load()
        let bigTime = try best { one = try store.load() }
        XCTAssertEqual(one.updates, [big])
        let compactTime = try best { try store.compact([.update(big)]) }
        print("[perf \(build)] one 10 MiB record: append \(fmt(appendTime * 1000)) ms, load \(fmt(bigTime * 1000)) ms, compact (with fsync) \(fmt(compactTime * 1000)) ms")
    }

    func testTextFileReadWrite10MB() throws {
        let p = dir.file("big.txt")
        let line = "The quick brown fox jumps over the lazy dog — ünïcödé 中文\n"
        let text = String(repeating: line, count: (10 << 20) / line.utf8.count)
        let w = try best { try TextFile.write(text, to: p) }
        var f: TextFile?
        let r = try best { f = try TextFile.read(path: p) }
        XCTAssertEqual(f?.text.utf8.count, text.utf8.count)
        XCTAssertEqual(f?.lineEnding, .lf)
        print("[perf \(build)] 10 MiB text file: read + validate \(fmt(r * 1000)) ms, atomic write \(fmt(w * 1000)) ms")
    }

    /// Seconds taken by the fastest of three runs of `body`.
    func best(_ body: () throws -> Void) rethrows -> Double {
        var fastest = Double.infinity
        for _ in 0..<3 {
            let t = now()
            try body()
            fastest = min(fastest, now() - t)
        }
        return fastest
    }

    func fmt(_ v: Double) -> String {
        let s = String(Int((v * 10).rounded()))
        let padded = s.count < 2 ? "0" + s : s
        return padded.dropLast() + "." + padded.suffix(1)
    }
}
