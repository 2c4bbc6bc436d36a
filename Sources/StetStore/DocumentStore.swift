#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `DocumentStore.load()` found in the log.
public struct StoreContents: Equatable, Sendable {
    /// Every update record, in the order they were appended.
    public var updates: [[UInt8]]
    /// The last value of every meta key.
    public var meta: [String: [UInt8]]
    /// A sentence describing damage that was found and dealt with (a torn last record that was
    /// dropped, or damaged bytes that were left out and saved aside), nil for a clean log.
    public var damage: String?
    /// Number of well-formed records (updates and meta).
    public var recordCount: Int
    /// Size of the log in bytes after loading (and repairing).
    public var byteCount: Int

    public init(updates: [[UInt8]], meta: [String: [UInt8]], damage: String?, recordCount: Int, byteCount: Int) {
        self.updates = updates
        self.meta = meta
        self.damage = damage
        self.recordCount = recordCount
        self.byteCount = byteCount
    }
}

/// A durable, append-only log of records kept beside a document, at
/// `<dir>/.stet/<name>.stetlog` (see `LogFormat` for the bytes).
///
/// One process at a time owns a store: `init` takes an exclusive, non-blocking `flock` on the
/// log and throws `.busy` if someone else holds it. Writes are plain `pwrite`s at the end of the
/// valid log: after `append` returns, a `kill -9` loses nothing (the data is in the page
/// cache); `sync()` makes it survive a power cut too.
///
/// Recovery, in `load()`: a record cut short at the end (crash during an append) is detected by
/// its length and CRC and truncated away in place. Damage anywhere else keeps every
/// well-formed record (before and after the damage), saves the damaged file as
/// `<name>.stetlog.damaged-<n>` (never deleting anything) and rewrites the log with the good
/// records, atomically.
///
/// Not thread-safe: one owner (the editor's state owner) calls it.
public final class DocumentStore {
    /// Absolute path of the document this store belongs to.
    public let filePath: String
    /// The `.stet` folder beside the document.
    public let directory: String
    /// The log file.
    public let logPath: String

    private var fd: Int32
    /// Byte length of the validated log; nil until `load()` has checked it (or after a failed
    /// repair), in which case `append` loads first.
    private var end: Int?

    /// Where the log for the document at `path` lives: `<dir>/.stet/<name>.stetlog`, with a
    /// relative `path` made absolute against the current directory. Symlinks are not resolved
    /// here; pass a resolved path (`TextFile.resolve(path:)`) to share one history among links.
    public static func location(forFile path: String) -> String {
        let (dir, name) = Paths.split(Paths.absolute(path))
        return Paths.join(Paths.join(dir, ".stet"), name + ".stetlog")
    }

    /// Permissions of the `.stet` folder for a document with permission bits `m`: each class
    /// that may read the file may read and enter the folder (r → r+x), write stays write, and
    /// the owner always has rwx (the history must stay writable even for a read-only file).
    public static func directoryMode(forFileMode m: mode_t) -> mode_t {
        (m & 0o666) | ((m & 0o444) >> 2) | 0o700
    }

    /// Permissions of a new log for a document with permission bits `m`: `m & 0666`, plus
    /// read and write for the owner.
    public static func logMode(forFileMode m: mode_t) -> mode_t {
        (m & 0o666) | 0o600
    }

    /// Opens (creating if needed) and locks the store of the document at `path`.
    ///
    /// - Parameter fileMode: the document's permission bits (`TextFile.mode`), which the new
    ///   `.stet` folder and log derive theirs from; nil for a document not yet on disk, in which
    ///   case they get `0777 & ~umask` and `0666 & ~umask`. An existing folder or log keeps its
    ///   permissions.
    /// - Throws: `.busy` when another open store holds the lock; `.newerFormat` or `.notAStore`
    ///   for a log this version cannot read (left untouched); `.system` for file errors.
    public init(path: String, fileMode: mode_t?) throws(StoreProblem) {
        filePath = Paths.absolute(path)
        let (dir, name) = Paths.split(filePath)
        directory = Paths.join(dir, ".stet")
        logPath = Paths.join(directory, name + ".stetlog")
        fd = -1
        try makeDirectory(fileMode: fileMode, parent: dir)
        try openAndLock(fileMode: fileMode)
        try checkHeader()
        Sys.unlinkQuietly(compactionPath)  // left by a crash during compaction; we hold the lock
    }

    deinit { close() }

    /// The document's file name, for messages.
    private var name: String { Paths.split(filePath).name }

    /// The temporary file `compact` writes before renaming it over the log.
    private var compactionPath: String { Paths.join(directory, "." + Paths.split(logPath).name + ".compacting") }

    private func makeDirectory(fileMode: mode_t?, parent: String) throws(StoreProblem) {
        let mode = fileMode.map(Self.directoryMode(forFileMode:)) ?? 0o777
        if directory.withCString({ mkdir($0, mode) }) == 0 {
            if fileMode != nil { _ = directory.withCString { chmod($0, mode) } }  // past the umask
            Sys.syncDirectory(parent)
            return
        }
        let e = errno
        guard e == EEXIST else { throw .system(action: "create the history folder", path: directory, errno: e) }
        guard case .success(let st) = Sys.stat(directory), st.isDirectory else {
            throw .storeDirectoryIsAFile(path: directory)
        }
    }

    /// Opens the log and takes the lock, then checks that the locked inode is still the one
    /// at `logPath`: `compact` replaces the log by rename, and a process that opened the old
    /// inode just before could otherwise lock a file nobody uses any more. `compact` locks the
    /// new inode before renaming it into place, so the inode at `logPath` is always locked by
    /// its owner, and a check after locking is enough.
    private func openAndLock(fileMode: mode_t?) throws(StoreProblem) {
        for _ in 0..<16 {
            var created = false
            var f = Sys.open(logPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
            if f >= 0 {
                created = true
                if let m = fileMode { _ = fchmod(f, Self.logMode(forFileMode: m)) }
            } else if f == -EEXIST {
                f = Sys.open(logPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
                if f == -ENOENT { continue }
            }
            if f < 0 { throw .system(action: "open the history of \(name)", path: logPath, errno: -f) }
            if flock(f, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                Sys.close(f)
                if e == EWOULDBLOCK || e == EAGAIN { throw .busy(file: filePath) }
                throw .system(action: "lock the history of \(name)", path: logPath, errno: e)
            }
            if case .success(let mine) = Sys.fstat(f), case .success(let now) = Sys.stat(logPath),
               mine.st_dev == now.st_dev, mine.st_ino == now.st_ino {
                fd = f
                if created { Sys.syncDirectory(directory) }
                return
            }
            Sys.close(f)  // replaced under us by the owner's compaction: try the new one
        }
        throw .busy(file: filePath)
    }

    private func checkHeader() throws(StoreProblem) {
        var head = [UInt8](repeating: 0, count: LogFormat.headerSize)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { let e = errno; close(); throw .system(action: "read the history of \(name)", path: logPath, errno: e) }
        head.removeLast(LogFormat.headerSize - n)
        switch LogFormat.checkHeader(head) {
        case .current:
            return
        case .incomplete:
            let header = LogFormat.header
            let (_, e) = header.withUnsafeBytes { Sys.writeAll(fd, $0, at: 0) }
            var err = e
            if err == 0 && ftruncate(fd, off_t(header.count)) != 0 { err = errno }
            if err == 0 { err = Sys.fullSync(fd) }
            if err != 0 { close(); throw .system(action: "start the history of \(name)", path: logPath, errno: err) }
            end = header.count
        case .foreign:
            close()
            throw .notAStore(log: logPath)
        case .newer(let v):
            close()
            throw .newerFormat(log: logPath, version: v, supported: LogFormat.version)
        }
    }

    /// Size of the valid log in bytes, once known (after `load`, `append` or `compact`).
    public var byteCount: Int? { end }

    /// Whether the store is open (and so holds the lock).
    public var isOpen: Bool { fd >= 0 }

    /// Releases the lock and closes the log. Safe to call more than once.
    public func close() {
        if fd >= 0 { Sys.close(fd) }
        fd = -1
    }
}

// MARK: - reading and repair

extension DocumentStore {
    /// Reads every record and repairs damage (see the type's documentation). Must be called
    /// before the first `append` (which calls it itself otherwise).
    /// - Complexity: O(n) in the log's size: one read, one CRC pass, one copy of each payload.
    public func load() throws(StoreProblem) -> StoreContents {
        guard fd >= 0 else { throw .closed(log: logPath) }
        let size: Int
        switch Sys.fstat(fd) {
        case .success(let st): size = Int(st.st_size)
        case .failure(let e): throw .system(action: "read the history of \(name)", path: logPath, errno: e.code)
        }
        let bytes: [UInt8]
        switch Sys.readToEnd(fd, expected: size) {
        case .success(let b): bytes = b
        case .failure(let e): throw .system(action: "read the history of \(name)", path: logPath, errno: e.code)
        }
        if bytes.count < LogFormat.headerSize {
            try checkHeader()  // truncated by someone else; start over
            return StoreContents(updates: [], meta: [:], damage: nil, recordCount: 0, byteCount: LogFormat.headerSize)
        }
        let scan = bytes.withUnsafeBytes { LogFormat.scan($0, from: LogFormat.headerSize) }
        var contents = StoreContents(updates: [], meta: [:], damage: nil, recordCount: scan.records.count, byteCount: bytes.count)
        bytes.withUnsafeBytes { b in
            contents.updates.reserveCapacity(scan.records.count)
            for span in scan.records {
                switch LogFormat.decode(span, in: b) {
                case .update(let u): contents.updates.append(u)
                case .meta(let k, let v): contents.meta[k] = v
                }
            }
        }
        if scan.isClean {
            end = bytes.count
        } else if let torn = scan.tornTail, scan.skipped.isEmpty {
            if ftruncate(fd, off_t(torn.lowerBound)) != 0 {
                end = nil
                throw .system(action: "repair the history of \(name)", path: logPath, errno: errno)
            }
            end = torn.lowerBound
            contents.byteCount = torn.lowerBound
            contents.damage = "the last change recorded in the history of \(name) was cut short (\(torn.count) bytes at its end, from a crash or a full disk) and was dropped; everything before it was kept."
        } else {
            let aside = try saveDamagedCopy(bytes)
            var good = LogFormat.header
            good.reserveCapacity(bytes.count)
            for span in scan.records { good.append(contentsOf: bytes[span.start..<span.end]) }
            try replaceLog(with: good)
            contents.byteCount = good.count
            var lost = scan.skipped
            if let t = scan.tornTail ?? scan.damagedTail { lost.append(t) }
            let lostBytes = lost.reduce(0) { $0 + $1.count }
            let shownAside = ".stet/" + Paths.split(aside).name
            contents.damage = "the history of \(name) was damaged: \(lostBytes) bytes in \(lost.count) place(s), the first at byte \(lost[0].lowerBound), could not be read and were left out; \(scan.records.count) recorded changes were kept, and the damaged history was saved as \(shownAside)."
        }
        return contents
    }

    /// Keeps the damaged log as `<log>.damaged-<n>` (first free n): a hard link when the file
    /// system allows, a copy otherwise.
    private func saveDamagedCopy(_ bytes: [UInt8]) throws(StoreProblem) -> String {
        var n = 1
        while true {
            let aside = logPath + ".damaged-\(n)"
            n += 1
            if logPath.withCString({ o in aside.withCString { link(o, $0) } }) == 0 { return aside }
            if errno == EEXIST { continue }
            let f = Sys.open(aside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if f == -EEXIST { continue }
            if f < 0 { throw .system(action: "save the damaged history of \(name)", path: aside, errno: -f) }
            var (_, e) = bytes.withUnsafeBytes { Sys.writeAll(f, $0, at: 0) }
            if e == 0 { e = Sys.fullSync(f) }
            Sys.close(f)
            if e != 0 {
                Sys.unlinkQuietly(aside)
                throw .system(action: "save the damaged history of \(name)", path: aside, errno: e)
            }
            return aside
        }
    }

    /// Replaces the log with `bytes` (header included) atomically: write a temporary file,
    /// lock it, give it the log's owner and mode, fsync, rename it over the log, fsync the
    /// folder, and only then let go of the old log. On failure the old log stays as it was.
    private func replaceLog(with bytes: [UInt8]) throws(StoreProblem) {
        let tmp = compactionPath
        let action = "rewrite the history of \(name)"
        let nfd = Sys.open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if nfd < 0 { throw .system(action: action, path: tmp, errno: -nfd) }
        func fail(_ e: Int32) -> StoreProblem {
            Sys.close(nfd)
            Sys.unlinkQuietly(tmp)
            return .system(action: action, path: logPath, errno: e)
        }
        if flock(nfd, LOCK_EX | LOCK_NB) != 0 { throw fail(errno) }
        if case .success(let old) = Sys.fstat(fd) {
            _ = fchown(nfd, old.st_uid, old.st_gid)
            _ = fchmod(nfd, old.permissions)
        }
        let (_, writeError) = bytes.withUnsafeBytes { Sys.writeAll(nfd, $0, at: 0) }
        if writeError != 0 { throw fail(writeError) }
        let syncError = Sys.fullSync(nfd)
        if syncError != 0 { throw fail(syncError) }
        let renameError = Sys.rename(tmp, logPath)
        if renameError != 0 { throw fail(renameError) }
        Sys.syncDirectory(directory)
        Sys.close(fd)
        fd = nfd
        end = bytes.count
    }
}

// MARK: - writing

extension DocumentStore {
    /// Appends `records` with a single `pwrite` at the end of the valid log (looping only if
    /// the kernel writes less). No fsync: after this returns, a killed process loses nothing;
    /// call `sync()` for power-cut durability. If the write fails (disk full, quota, I/O
    /// error), the log is truncated back so no partial record remains, and nothing is
    /// recorded.
    /// - Complexity: O(total payload): one buffer, one CRC pass, one system call.
    public func append(_ records: [StoreRecord]) throws(StoreProblem) {
        guard fd >= 0 else { throw .closed(log: logPath) }
        if records.isEmpty { return }
        var total = 0
        for r in records {
            let p = LogFormat.payloadSize(of: r)
            if p > LogFormat.maximumPayload { throw .recordTooLarge(bytes: p) }
            total += LogFormat.recordHeaderSize + p
        }
        if end == nil { _ = try load() }
        guard let at = end else { throw .closed(log: logPath) }
        var buf: [UInt8] = []
        buf.reserveCapacity(total)
        for r in records { LogFormat.append(r, to: &buf) }
        let (_, e) = buf.withUnsafeBytes { Sys.writeAll(fd, $0, at: at) }
        if e != 0 {
            if ftruncate(fd, off_t(at)) != 0 { end = nil }  // load() will find and cut the torn tail
            throw .system(action: "record changes to \(name)", path: logPath, errno: e)
        }
        end = at + buf.count
    }

    /// Flushes appended records to the disk (`fdatasync`).
    public func sync() throws(StoreProblem) {
        guard fd >= 0 else { throw .closed(log: logPath) }
        let e = Sys.dataSync(fd)
        if e != 0 { throw .system(action: "save the history of \(name) to disk", path: logPath, errno: e) }
    }

    /// Replaces the whole log by `records` (for example one update holding the document's full
    /// state plus the current meta values), atomically: temp file, fsync, rename. The lock is
    /// kept throughout: the new file is locked before it takes the log's place.
    /// - Complexity: O(total payload) plus two fsyncs.
    public func compact(_ records: [StoreRecord]) throws(StoreProblem) {
        guard fd >= 0 else { throw .closed(log: logPath) }
        var buf = LogFormat.header
        for r in records {
            let p = LogFormat.payloadSize(of: r)
            if p > LogFormat.maximumPayload { throw .recordTooLarge(bytes: p) }
            LogFormat.append(r, to: &buf)
        }
        try replaceLog(with: buf)
    }
}
