#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import StetStore
import XCTest

/// Crashes, torn writes, flipped bytes and full disks: the store keeps every good record.
final class StoreRecoveryTests: XCTestCase {
    var dir: TempDir!
    override func setUp() { dir = TempDir("recovery") }
    override func tearDown() { dir.remove() }

    /// Writes `records` (one append each) to a fresh store; returns the log's bytes and the
    /// offset where each record starts.
    func makeLog(_ path: String, _ records: [StoreRecord]) throws -> (bytes: [UInt8], starts: [Int]) {
        let store = try DocumentStore(path: path, fileMode: 0o644)
        _ = try store.load()
        var starts: [Int] = []
        for r in records {
            starts.append(store.byteCount!)
            try store.append([r])
        }
        store.close()
        return (try XCTUnwrap(readRaw(store.logPath)), starts)
    }

    func testTornLastRecordAtEveryByteOffset() throws {
        var rng = SeededRandom(seed: testSeed("torn-tail"))
        let p = dir.file("notes.md")
        let updates = (0..<6).map { _ in rng.bytes(Int.random(in: 1..<40, using: &rng)) }
        let (bytes, starts) = try makeLog(p, updates.map { .update($0) })
        let log = DocumentStore.location(forFile: p)
        let last = starts.last!
        for cut in last...(bytes.count - 1) {
            writeRaw(log, Array(bytes[0..<cut]))
            let store = try DocumentStore(path: p, fileMode: 0o644)
            let c = try store.load()
            XCTAssertEqual(c.updates, Array(updates.dropLast()), "cut at \(cut)")
            if cut == last {
                XCTAssertNil(c.damage, "a cut exactly between records is a clean log")
            } else {
                let damage = try XCTUnwrap(c.damage, "cut at \(cut)")
                XCTAssertTrue(damage.contains("cut short") && damage.contains("\(cut - last) bytes"), damage)
            }
            XCTAssertEqual(statOf(log)?.st_size, off_t(last), "truncated back to the last good record")
            try store.append([.update([0xAB])])
            store.close()
            let again = try DocumentStore(path: p, fileMode: 0o644)
            let c2 = try again.load()
            XCTAssertEqual(c2.updates, Array(updates.dropLast()) + [[0xAB]], "cut at \(cut)")
            XCTAssertNil(c2.damage)
            again.close()
            XCTAssertEqual(listDirectory(dir.file(".stet")), ["notes.md.stetlog"], "a torn tail is not saved aside")
        }
    }

    func testAppendWithoutLoadRepairsTheTailFirst() throws {
        let p = dir.file("notes.md")
        let (bytes, _) = try makeLog(p, [.update([1, 2, 3]), .update([4, 5, 6])])
        writeRaw(DocumentStore.location(forFile: p), Array(bytes.dropLast(2)))
        let store = try DocumentStore(path: p, fileMode: 0o644)
        try store.append([.update([7])])
        store.close()
        let c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, [[1, 2, 3], [7]])
        XCTAssertNil(c.damage)
    }

    /// Seeded: flip one byte inside a middle record; every other record survives, the damaged
    /// log is kept aside byte-for-byte, and the repaired log loads cleanly.
    func testCorruptedMiddleByte() throws {
        var rng = SeededRandom(seed: testSeed("corrupt-middle"))
        for trial in 0..<40 {
            let sub = dir.file("t\(trial)")
            mkdir(sub, 0o755)
            let p = sub + "/notes.md"
            let records: [StoreRecord] = (0..<10).map { i in
                i % 3 == 2 ? .meta(key: "k\(i)", value: rng.bytes(5)) : .update(rng.bytes(Int.random(in: 0..<60, using: &rng)))
            }
            let (bytes, starts) = try makeLog(p, records)
            let victim = Int.random(in: 1..<(records.count - 1), using: &rng)
            let at = Int.random(in: starts[victim]..<starts[victim + 1], using: &rng)
            var damaged = bytes
            damaged[at] ^= UInt8.random(in: 1...255, using: &rng)
            let log = DocumentStore.location(forFile: p)
            writeRaw(log, damaged)

            let store = try DocumentStore(path: p, fileMode: 0o644)
            let c = try store.load()
            var expected = records
            expected.remove(at: victim)
            XCTAssertEqual(c.updates, expected.compactMap { if case .update(let u) = $0 { u } else { nil } }, "trial \(trial): byte \(at) of record \(victim)")
            XCTAssertEqual(c.recordCount, records.count - 1)
            let damage = try XCTUnwrap(c.damage)
            XCTAssertTrue(damage.contains("damaged") && damage.contains("notes.md.stetlog.damaged-1") && damage.contains("byte \(starts[victim])"), damage)
            XCTAssertEqual(readRaw(log + ".damaged-1"), damaged, "damaged log kept as it was")
            try store.append([.update([0xEE])])
            store.close()

            let again = try DocumentStore(path: p, fileMode: 0o644)
            let c2 = try again.load()
            XCTAssertNil(c2.damage)
            XCTAssertEqual(c2.updates, c.updates + [[0xEE]])
            XCTAssertEqual(c2.meta, c.meta)
            again.close()
        }
    }

    func testDamageTwiceKeepsBothCopiesAndDamagedLastRecord() throws {
        let p = dir.file("notes.md")
        let (bytes, starts) = try makeLog(p, (0..<4).map { .update([UInt8]("record \($0)".utf8)) })
        let log = DocumentStore.location(forFile: p)
        var d1 = bytes
        d1[starts[3] + 14] ^= 0xFF  // payload of the last record: complete but wrong, not torn
        writeRaw(log, d1)
        var c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates.count, 3)
        XCTAssertTrue(c.damage?.contains("damaged-1") == true, c.damage ?? "nil")

        var d2 = try XCTUnwrap(readRaw(log))
        d2[starts[0] + 3] ^= 0x10  // length of the first record
        writeRaw(log, d2)
        c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, [[UInt8]("record 1".utf8), [UInt8]("record 2".utf8)])
        XCTAssertTrue(c.damage?.contains("damaged-2") == true, c.damage ?? "nil")
        XCTAssertEqual(readRaw(log + ".damaged-1"), d1)
        XCTAssertEqual(readRaw(log + ".damaged-2"), d2)
    }

    func testGarbageAndZerosAfterTheLastRecord() throws {
        let p = dir.file("notes.md")
        let (bytes, _) = try makeLog(p, [.update([1]), .update([2])])
        let log = DocumentStore.location(forFile: p)
        // Zeros (what a power cut can leave): treated as a torn tail, truncated in place.
        writeRaw(log, bytes + [UInt8](repeating: 0, count: 100))
        var c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, [[1], [2]])
        XCTAssertNotNil(c.damage)
        XCTAssertEqual(readRaw(log), bytes)
        // Other garbage: kept aside.
        writeRaw(log, bytes + Array("garbage".utf8))
        c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, [[1], [2]])
        XCTAssertTrue(c.damage?.contains("damaged-1") == true, c.damage ?? "nil")
        XCTAssertEqual(readRaw(log), bytes)
    }

    /// An append that fails part-way (file size limit → EFBIG, provokable as root) leaves no
    /// partial record: the log is truncated back and later appends and loads are clean.
    func testFailedAppendLeavesNoPartialRecord() throws {
        let p = dir.file("notes.md")
        let store = try DocumentStore(path: p, fileMode: 0o644)
        _ = try store.load()
        try store.append([.update([UInt8](repeating: 1, count: 100))])
        let size = store.byteCount!
        try withFileSizeLimit(size + 50) {
            XCTAssertThrowsError(try store.append([.update([UInt8](repeating: 2, count: 10)), .update([UInt8](repeating: 3, count: 1000))])) { e in
                XCTAssertEqual((e as? StoreProblem)?.errno, EFBIG)
                XCTAssertTrue("\(e)".contains("record changes to notes.md"), "\(e)")
            }
        }
        XCTAssertEqual(statOf(store.logPath)?.st_size, off_t(size), "no partial record left")
        try store.append([.update([4])])
        store.close()
        let c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, [[UInt8](repeating: 1, count: 100), [4]])
        XCTAssertNil(c.damage)
    }

    /// A real full disk for the store (tmpfs, root only); elsewhere the message is checked.
    func testAppendOnFullDisk() throws {
        let mnt = dir.file("tiny")
        mkdir(mnt, 0o755)
        guard mountTinyTmpfs(at: mnt, kilobytes: 64) else {
            print("[store-disk-full] cannot mount a tmpfs here (uid \(getuid())); checking the ENOSPC message only")
            let m = StoreProblem.system(action: "record changes to notes.md", path: "/x/.stet/notes.md.stetlog", errno: ENOSPC).description
            XCTAssertTrue(m.contains("the disk is full") && m.contains("free some space"), m)
            return
        }
        defer { unmountTmpfs(mnt) }
        let p = mnt + "/notes.md"
        let store = try DocumentStore(path: p, fileMode: 0o644)
        _ = try store.load()
        var appended: [[UInt8]] = []
        var failure: StoreProblem?
        for i in 0..<100 {
            let u = [UInt8](repeating: UInt8(i), count: 3000)
            do {
                try store.append([.update(u)])
                appended.append(u)
            } catch {
                failure = error
                break
            }
        }
        let f = try XCTUnwrap(failure, "64 KiB must fill up")
        XCTAssertEqual(f.errno, ENOSPC)
        XCTAssertTrue("\(f)".contains("the disk is full"), "\(f)")
        store.close()
        let c = try DocumentStore(path: p, fileMode: 0o644).load()
        XCTAssertEqual(c.updates, appended)
        XCTAssertNil(c.damage, "the failed append left nothing behind")
    }
}
