#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import StetCRDT
import StetStore
import XCTest

final class DocumentStoreTests: XCTestCase {
    var dir: TempDir!
    override func setUp() { dir = TempDir("docstore") }
    override func tearDown() { dir.remove() }

    func testLocation() {
        XCTAssertEqual(DocumentStore.location(forFile: "/a/b/notes.md"), "/a/b/.stet/notes.md.stetlog")
        XCTAssertEqual(DocumentStore.location(forFile: "/a/.bashrc"), "/a/.stet/.bashrc.stetlog")
        XCTAssertEqual(DocumentStore.location(forFile: "/notes.md"), "/.stet/notes.md.stetlog")
        let cwd = String(cString: getcwd(nil, 0))
        let base = cwd == "/" ? "" : cwd
        XCTAssertEqual(DocumentStore.location(forFile: "notes.md"), base + "/.stet/notes.md.stetlog")
        XCTAssertEqual(DocumentStore.location(forFile: "./sub/.hidden"), base + "/sub/.stet/.hidden.stetlog")
    }

    func testDotFileAndRelativePath() throws {
        let cwd = String(cString: getcwd(nil, 0))
        chdir(dir.path)
        defer { chdir(cwd) }
        let store = try DocumentStore(path: ".profile", fileMode: 0o600)
        XCTAssertEqual(store.logPath, dir.path + "/.stet/.profile.stetlog")
        try store.append([.update([1])])
        store.close()
        chdir("/")
        XCTAssertEqual(try DocumentStore(path: dir.file(".profile"), fileMode: 0o600).load().updates, [[1]])
        XCTAssertEqual(modeOf(dir.file(".stet/.profile.stetlog")), 0o600)
    }

    func testPermissionsFollowTheFile() throws {
        for (fileMode, dirMode, logMode): (mode_t, mode_t, mode_t) in [
            (0o640, 0o750, 0o640), (0o600, 0o700, 0o600), (0o644, 0o755, 0o644), (0o664, 0o775, 0o664),
            (0o444, 0o755, 0o644), (0o755, 0o755, 0o644),
        ] {
            let sub = dir.file("p\(String(fileMode, radix: 8))")
            mkdir(sub, 0o755)
            let store = try DocumentStore(path: sub + "/notes.md", fileMode: fileMode)
            XCTAssertEqual(modeOf(sub + "/.stet"), dirMode, "folder for \(octal(fileMode))")
            XCTAssertEqual(modeOf(store.logPath), logMode, "log for \(octal(fileMode))")
            store.close()
        }
        let old = umask(0o022)
        defer { umask(old) }
        let sub = dir.file("new")
        mkdir(sub, 0o755)
        let store = try DocumentStore(path: sub + "/notes.md", fileMode: nil)
        XCTAssertEqual(modeOf(sub + "/.stet"), 0o755)
        XCTAssertEqual(modeOf(store.logPath), 0o644)
    }

    /// Seeded: random batches of updates and meta records survive close and reopen.
    func testAppendLoadRoundTrip() throws {
        var rng = SeededRandom(seed: testSeed("append-load"))
        let p = dir.file("notes.md")
        var updates: [[UInt8]] = []
        var meta: [String: [UInt8]] = [:]
        var count = 0
        for session in 0..<4 {
            let store = try DocumentStore(path: p, fileMode: 0o644)
            let loaded = try store.load()
            XCTAssertEqual(loaded.updates, updates, "session \(session)")
            XCTAssertEqual(loaded.meta, meta)
            XCTAssertNil(loaded.damage)
            XCTAssertEqual(loaded.recordCount, count)
            for _ in 0..<Int.random(in: 1..<30, using: &rng) {
                var batch: [StoreRecord] = []
                for _ in 0..<Int.random(in: 0..<8, using: &rng) {
                    if Bool.random(using: &rng) {
                        let u = rng.bytes(Int.random(in: 0..<300, using: &rng))
                        batch.append(.update(u))
                        updates.append(u)
                    } else {
                        let key = ["name", "stamp", "é-ключ", "", "cursor"].randomElement(using: &rng)!
                        let v = rng.bytes(Int.random(in: 0..<40, using: &rng))
                        batch.append(.meta(key: key, value: v))
                        meta[key] = v
                    }
                }
                count += batch.count
                try store.append(batch)
            }
            if session % 2 == 0 { try store.sync() }
            store.close()
        }
    }

    func testRealYjsUpdatesRoundTrip() throws {
        let p = dir.file("doc.md")
        let doc = Doc(clientID: 42)
        var pending: [[UInt8]] = []
        doc.onUpdate { u, _ in pending.append(UpdateV1.encode(u)) }
        let store = try DocumentStore(path: p, fileMode: 0o644)
        _ = try store.load()
        let text = doc.getText()
        for (i, word) in ["hello", " ", "world", "!"].enumerated() {
            text.insert(word, at: text.string.utf16.count)
            try store.append(pending.map { .update($0) } + [.meta(key: "seq", value: [UInt8(i)])])
            pending.removeAll()
        }
        text.delete(at: 0, count: 1)
        try store.append(pending.map { .update($0) })
        store.close()

        let again = try DocumentStore(path: p, fileMode: 0o644)
        let contents = try again.load()
        let copy = Doc(clientID: 7)
        for u in contents.updates { try copy.applyUpdate(u) }
        XCTAssertEqual(copy.getText().string, "ello world!")
        XCTAssertEqual(contents.meta["seq"], [3])
    }

    func testBusyLockInProcessAndAcrossProcesses() throws {
        let p = dir.file("notes.md")
        let first = try DocumentStore(path: p, fileMode: 0o644)
        XCTAssertThrowsError(try DocumentStore(path: p, fileMode: 0o644)) { e in
            XCTAssertEqual(e as? StoreProblem, .busy(file: p))
            XCTAssertEqual("\(e)", "notes.md is open in another stet; close that one first.")
        }
        // A relative spelling of the same file conflicts too.
        let cwd = String(cString: getcwd(nil, 0))
        chdir(dir.path)
        defer { chdir(cwd) }
        XCTAssertThrowsError(try DocumentStore(path: "notes.md", fileMode: 0o644))
        first.close()
        let second = try DocumentStore(path: p, fileMode: 0o644)
        second.close()

        // Another process holding the lock (flock(1) from util-linux).
        let log = DocumentStore.location(forFile: p)
        var pid: pid_t = 0
        let argv = ["/usr/bin/flock", "-x", log, "/bin/sleep", "30"]
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        guard access(argv[0], X_OK) == 0, posix_spawn(&pid, argv[0], nil, nil, &cargs, environ) == 0 else {
            print("[busy] /usr/bin/flock not available: only the in-process conflict was checked")
            return
        }
        defer { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        var sawBusy = false
        for _ in 0..<200 {  // wait until the child has the lock
            let result = Result { () throws(StoreProblem) -> DocumentStore in try DocumentStore(path: p, fileMode: 0o644) }
            if case .failure(.busy) = result { sawBusy = true; break }
            if case .success(let s) = result { s.close() }
            usleep(10_000)
        }
        XCTAssertTrue(sawBusy, "a lock held by another process makes the store busy")
    }

    func testCompactKeepsLockAndContent() throws {
        let p = dir.file("notes.md")
        let store = try DocumentStore(path: p, fileMode: 0o640)
        _ = try store.load()
        for i in 0..<1000 { try store.append([.update([UInt8(i & 0xFF), 1, 2, 3])]) }
        try store.append([.meta(key: "k", value: [1])])
        let inodeBefore = statOf(store.logPath)?.st_ino
        let sizeBefore = statOf(store.logPath)?.st_size ?? 0

        // A process that opened the old log just before the compaction.
        let stale = open(store.logPath, O_RDWR)
        try store.compact([.update([9, 9, 9]), .meta(key: "k", value: [2])])
        XCTAssertNotEqual(statOf(store.logPath)?.st_ino, inodeBefore)
        XCTAssertLessThan(statOf(store.logPath)?.st_size ?? .max, sizeBefore)
        XCTAssertEqual(modeOf(store.logPath), 0o640)
        XCTAssertEqual(listDirectory(store.directory), ["notes.md.stetlog"], "no temporary file left")

        // The old inode is free now, but it is not the log any more: a newcomer must see busy.
        XCTAssertEqual(flock(stale, LOCK_EX | LOCK_NB), 0, "old inode no longer locked")
        close(stale)
        XCTAssertThrowsError(try DocumentStore(path: p, fileMode: 0o640)) { e in
            XCTAssertEqual(e as? StoreProblem, .busy(file: p))
        }

        try store.append([.update([1])])
        XCTAssertEqual(try store.load().updates, [[9, 9, 9], [1]])
        store.close()
        let again = try DocumentStore(path: p, fileMode: 0o640)
        let c = try again.load()
        XCTAssertEqual(c.updates, [[9, 9, 9], [1]])
        XCTAssertEqual(c.meta, ["k": [2]])
        XCTAssertNil(c.damage)
    }

    func testCrashDuringCompactionLeavesOldLog() throws {
        let p = dir.file("notes.md")
        let store = try DocumentStore(path: p, fileMode: 0o644)
        try store.append([.update([1, 2, 3])])
        store.close()
        // What a crash between writing and renaming the temporary file leaves behind.
        let leftover = store.directory + "/.notes.md.stetlog.compacting"
        writeRaw(leftover, [1, 2, 3])
        let again = try DocumentStore(path: p, fileMode: 0o644)
        XCTAssertEqual(try again.load().updates, [[1, 2, 3]])
        XCTAssertEqual(listDirectory(again.directory), ["notes.md.stetlog"], "stale temporary file removed")
    }

    func testHeaderVersionAndForeignFiles() throws {
        let p = dir.file("notes.md")
        let log = DocumentStore.location(forFile: p)
        mkdir(dir.file(".stet"), 0o755)

        let newer: [UInt8] = [0x89, 0x73, 0x74, 0x65, 0x74, 0x6C, 0x6F, 0x67, 2, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB]
        writeRaw(log, newer)
        XCTAssertThrowsError(try DocumentStore(path: p, fileMode: 0o644)) { e in
            XCTAssertEqual(e as? StoreProblem, .newerFormat(log: log, version: 2, supported: 1))
            XCTAssertTrue("\(e)".contains("written by a newer stet"), "\(e)")
        }
        XCTAssertEqual(readRaw(log), newer, "left untouched")

        let foreign = Array("# not a log\n".utf8) + [UInt8](repeating: 0x20, count: 20)
        writeRaw(log, foreign)
        XCTAssertThrowsError(try DocumentStore(path: p, fileMode: 0o644)) { e in
            XCTAssertEqual(e as? StoreProblem, .notAStore(log: log))
        }
        XCTAssertEqual(readRaw(log), foreign)

        // An empty log or a cut-short header (crash while creating it) starts afresh.
        let header: [UInt8] = Array(newer.prefix(8)) + [1, 0, 0, 0, 0, 0, 0, 0]
        for prefix in [0, 5, 15] {
            writeRaw(log, Array(header.prefix(prefix)))
            let s = try DocumentStore(path: p, fileMode: 0o644)
            XCTAssertEqual(try s.load(), StoreContents(updates: [], meta: [:], damage: nil, recordCount: 0, byteCount: 16))
            try s.append([.update([7])])
            s.close()
            XCTAssertEqual(try DocumentStore(path: p, fileMode: 0o644).load().updates, [[7]])
        }

        writeRaw(dir.file("plain"), [])
        XCTAssertThrowsError(try DocumentStore(path: dir.file("plain/x.md"), fileMode: nil)) { e in
            XCTAssertEqual((e as? StoreProblem)?.errno, ENOTDIR)
        }
    }

    func testStoreFolderThatIsAFile() {
        let sub = dir.file("sub")
        mkdir(sub, 0o755)
        writeRaw(sub + "/.stet", [])
        XCTAssertThrowsError(try DocumentStore(path: sub + "/n.md", fileMode: 0o644)) { e in
            XCTAssertEqual(e as? StoreProblem, .storeDirectoryIsAFile(path: sub + "/.stet"))
        }
    }

    func testFormatIsAsDocumented() throws {
        let p = dir.file("notes.md")
        let store = try DocumentStore(path: p, fileMode: 0o644)
        try store.append([.update([0xDE, 0xAD]), .meta(key: "ab", value: [0x01])])
        store.close()
        let b = try XCTUnwrap(readRaw(store.logPath))
        XCTAssertEqual(Array(b[0..<16]), [0x89, 0x73, 0x74, 0x65, 0x74, 0x6C, 0x6F, 0x67, 1, 0, 0, 0, 0, 0, 0, 0])
        func check(_ at: Int, kind: UInt8, payload: [UInt8]) {
            XCTAssertEqual(b[at], 0xE5)
            XCTAssertEqual(b[at + 1], kind)
            XCTAssertEqual(Array(b[(at + 2)..<(at + 6)]), [UInt8(payload.count), 0, 0, 0])
            let crc = referenceCRC32(Array(b[at..<(at + 6)]) + payload)
            XCTAssertEqual(Array(b[(at + 6)..<(at + 10)]), withUnsafeBytes(of: crc.littleEndian) { Array($0) })
            let hc = UInt16(truncatingIfNeeded: referenceCRC32(Array(b[at..<(at + 10)])))
            XCTAssertEqual(Array(b[(at + 10)..<(at + 12)]), withUnsafeBytes(of: hc.littleEndian) { Array($0) })
            XCTAssertEqual(Array(b[(at + 12)..<(at + 12 + payload.count)]), payload)
        }
        check(16, kind: 1, payload: [0xDE, 0xAD])
        check(16 + 14, kind: 2, payload: [2, 0x61, 0x62, 0x01])
        XCTAssertEqual(b.count, 16 + 14 + 16)
    }

    func testClosedStoreAndOversizedRecord() throws {
        let store = try DocumentStore(path: dir.file("n.md"), fileMode: 0o644)
        store.close()
        store.close()
        XCTAssertFalse(store.isOpen)
        XCTAssertThrowsError(try store.append([.update([1])])) { e in
            XCTAssertEqual(e as? StoreProblem, .closed(log: store.logPath))
        }
        XCTAssertThrowsError(try store.load())
        XCTAssertThrowsError(try store.sync())
        let message = StoreProblem.recordTooLarge(bytes: (1 << 30) + 1).description
        XCTAssertTrue(message.contains("1 GiB"), message)
    }
}
