import StetCRDT
import StetEditor
import StetStore
import StetText

#if canImport(Glibc)
import Glibc
#endif

/// A running editing session without a terminal: the file, its store, the document and the
/// editor, and the effects the editor asks for. The terminal loop (in the executable) only
/// feeds it events and draws its frames; tests drive it directly.
///
/// Durability: every transaction's update is appended to the store (one `write`, before the
/// frame that shows it is drawn), so a killed process loses nothing the user saw; the store is
/// `fdatasync`ed on idle ticks and on exit. Undo steps are stored on idle and on exit.
public final class Session {
    /// Origin of changes that came from the file on disk (another program wrote it).
    public static let diskOrigin: Origin = "stet.disk"
    static let loadOrigin: Origin = "stet.store"

    public let editor: Editor
    public let doc: Doc
    /// The file (nil for a scratch buffer until it is saved).
    public private(set) var path: String?
    public private(set) var store: DocumentStore?
    /// The file on disk as this session last read or wrote it.
    public private(set) var diskStamp: DiskStamp?
    /// The document's snapshot when the file last matched it.
    var savedSnapshot: Snapshot?
    /// What happened while opening, for the message line ("recovered…", "merged…").
    public private(set) var notices: [String] = []
    /// Updates not yet in the store because appending failed (kept and retried).
    var unstored: [[UInt8]] = []
    var undoStored: [UndoManager.Step] = []
    var redoStored: [UndoManager.Step] = []
    var needsSync = false
    /// Joined to another stet that holds the history (until `adoptStore()`).
    public private(set) var joined: Bool
    private var updateObserver = 0
    let newClientID: () -> ClientID

    /// Opens `path` (or a scratch buffer when nil).
    /// - Parameters:
    ///   - clientID: this session's id (fresh and random per session).
    ///   - now: milliseconds from a monotonic clock.
    ///   - newClientID: where ids for disk changes come from.
    ///   - joining: another stet on this machine holds the file's history: open without it
    ///     (the document arrives from that session; `adoptStore()` takes over when it leaves).
    public init(path: String?, textName: String = "text", clientID: ClientID, newClientID: @escaping () -> ClientID,
                rows: Int = 24, columns: Int = 80, joining: Bool = false, now: @escaping () -> UInt64) throws {
        self.newClientID = newClientID
        self.joined = joining
        doc = Doc(clientID: clientID)
        var file: TextFile?
        var contents: StoreContents?
        if let p = path, joining {
            file = try TextFile.read(path: Paths.absolute(p))
            self.path = p
        } else if let p = path {
            let resolved = Paths.absolute(p)
            file = try TextFile.read(path: resolved)
            switch Session.openStore(resolved, mode: file?.mode) {
            case .success(let (s, c)):
                store = s
                contents = c
            case .failure(let problem):
                guard let e = problem.errno, Session.unwritable.contains(e) else { throw problem }
                // A folder we may not write to (or a read-only disk): edit without history.
                notices.append("no history is kept (\(problem)); edits live in memory until you save")
            }
            self.path = p
        }
        if let c = contents {
            if let d = c.damage { notices.append("history store: \(d)") }
            for u in c.updates {
                do { try doc.applyUpdate(u, origin: Session.loadOrigin) } catch {
                    notices.append("history store: skipped an unreadable update (\(error))")
                }
            }
            if let s = c.meta["saved.snapshot"] { savedSnapshot = try? Snapshot.decode(s) }
            if let s = c.meta["saved.stamp"] { diskStamp = DiskStamp(decoding: s) }
        }
        var settings = Settings()
        if let f = file {
            settings.lineBreak = f.newline
            settings.indentUnit = Session.detectIndent(f.text)
        }
        // A file without history: its text becomes the document's first change, and the
        // document's whole state the log's first record (one encoding, no fork).
        var knownText: String?
        var firstOpen = false
        if !joining, let f = file, contents?.updates.isEmpty ?? true {
            let d = doc
            d.transact(origin: Session.loadOrigin) { d.getText(textName).insert(f.text, at: 0) }
            knownText = f.text
            firstOpen = true
        }
        let buffer = Buffer(doc: doc, textName: textName, knownText: knownText)
        editor = Editor(buffer: buffer, path: path, settings: settings, rows: rows, columns: columns, now: now)
        if let c = contents {
            undoStored = Session.decodeSteps(c.meta["undo"])
            redoStored = Session.decodeSteps(c.meta["redo"])
            editor.undoManager.restore(undo: undoStored, redo: redoStored)
        }
        updateObserver = doc.onUpdate { [unowned self] update, origin in
            guard origin != Session.loadOrigin, self.store != nil else { return }
            self.persist(UpdateV1.encode(update))
        }
        // Reconcile the store with the file (a joining session has neither yet).
        if joining {
            if let f = file { diskStamp = f.stamp; editor.markModified(diskText: f.text) }
        } else if let f = file {
            if firstOpen {
                if !f.text.isEmpty { persist(doc.encodeStateAsUpdate()) }
                editor.markSaved()
                markSaved(stamp: f.stamp, snapshot: doc.snapshot())
            } else if buffer.hasText(f.text) {
                editor.markSaved()
                if diskStamp != f.stamp { markSaved(stamp: f.stamp, snapshot: doc.snapshot()) }
            } else if let stamp = diskStamp, stamp == f.stamp {
                editor.markModified(diskText: f.text)
                notices.append("recovered unsaved edits from your last session: Ctrl-S saves them")
            } else {
                let snap = applyDiskText(f.text, base: savedSnapshot)
                let merged = buffer.hasText(f.text)
                if merged { editor.markSaved() } else { editor.markModified(diskText: f.text) }
                markSaved(stamp: f.stamp, snapshot: snap)
                notices.append("\(editor.displayName) changed on disk since stet last saw it: merged the changes\(merged ? "" : " with your unsaved edits (Ctrl-S writes the result)")")
            }
        } else if path != nil {
            notices.append("new file: Ctrl-S creates it")
        }
        editor.setCursor(.zero)
    }

    deinit { doc.removeObserver(updateObserver) }

    static func openStore(_ path: String, mode: mode_t?) -> Result<(DocumentStore, StoreContents), StoreProblem> {
        do {
            let s = try DocumentStore(path: path, fileMode: mode)
            return .success((s, try s.load()))
        } catch {
            return .failure(error)
        }
    }

    /// Store errors that mean "this place cannot hold a history" rather than "something is wrong".
    static let unwritable: Set<Int32> = [EACCES, EPERM, EROFS]

    /// Lines starting with a tab more often than with spaces: indent with tabs; else spaces,
    /// as many as the most common indentation step (2, 4 or 8), 4 when unknown.
    /// - Complexity: O(length of the first 5,000 lines)
    static func detectIndent(_ text: String) -> String {
        var tabs = 0, spaces = 0
        var steps: [Int: Int] = [:]
        var prev = 0
        var lines = 0
        var atStart = true  // at a line's first byte
        var blanks = 0      // leading spaces counted so far on this line
        for b in text.utf8 {
            if b == UInt8(ascii: "\n") {
                atStart = true
                blanks = 0
                lines += 1
                if lines >= 5_000 { break }
                continue
            }
            guard atStart else { continue }
            if b == UInt8(ascii: " ") { blanks += 1; continue }
            atStart = false
            if b == UInt8(ascii: "\t") {
                if blanks == 0 { tabs += 1 }
                continue
            }
            if b == UInt8(ascii: "\r") { continue }
            if blanks > 0 { spaces += 1 }
            let d = abs(blanks - prev)
            if d == 2 || d == 4 || d == 8 { steps[d, default: 0] += 1 }
            prev = blanks
        }
        if tabs > spaces { return "\t" }
        let step = steps.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 4
        return String(repeating: " ", count: step)
    }

    static func decodeSteps(_ bytes: [UInt8]?) -> [UndoManager.Step] {
        guard let b = bytes else { return [] }
        var d = Lib0Decoder(b)
        guard let n = try? d.readVarUInt(), n < 1_000_000 else { return [] }
        var out: [UndoManager.Step] = []
        for _ in 0..<n {
            guard let bytes = try? d.readVarBytes(), let s = try? UndoManager.Step.decode(bytes) else { return [] }
            out.append(s)
        }
        return out
    }

    static func encodeSteps(_ steps: [UndoManager.Step]) -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(UInt64(steps.count))
        for s in steps {
            e.writeVarBytes(s.encoded())
        }
        return e.bytes
    }

    /// The document state whose text the file on disk holds (nil before the first save or
    /// read of a file).
    public var savedVector: StateVector? { savedSnapshot?.stateVector }

    /// Whether this session keeps the file's history (false while joined to another stet).
    public var hasStore: Bool { store != nil }

    /// Takes over the file's history after the session that held it left: locks and loads
    /// the log, merges it into the document (it holds everything already, unless that
    /// session wrote something we never received) and records our whole state in it.
    /// Returns false when another session was faster (it holds the lock now).
    public func adoptStore() throws -> Bool {
        guard store == nil, let p = path else { return store != nil }
        let resolved = Paths.absolute(p)
        switch Session.openStore(resolved, mode: nil) {
        case .failure(let problem):
            if case .busy = problem { return false }
            throw problem
        case .success(let (s, c)):
            for u in c.updates { try? doc.applyUpdate(u, origin: Session.loadOrigin) }
            if let snap = c.meta["saved.snapshot"] { savedSnapshot = try? Snapshot.decode(snap) }
            if let stamp = c.meta["saved.stamp"] { diskStamp = DiskStamp(decoding: stamp) }
            undoStored = []
            redoStored = []
            store = s
            joined = false
            persist(doc.encodeStateAsUpdate())
            if let f = try? TextFile.read(path: resolved), editor.buffer.hasText(f.text) { editor.markSaved() }
            return true
        }
    }

    // MARK: - Disk

    /// Applies the file's text as a change by "disk": computed against `base` (the text the
    /// file had when stet last wrote or read it) so unsaved local edits are kept and merged.
    /// Returns the snapshot of the document state whose text is `text` (the new base).
    @discardableResult
    func applyDiskText(_ text: String, base: Snapshot?) -> Snapshot {
        let fork: Doc
        if let s = base {
            fork = doc.document(at: s, clientID: newClientID())
        } else {
            fork = Doc(clientID: newClientID())
            try? fork.applyUpdate(doc.encodeStateAsUpdate())
        }
        let ft = fork.getText(editor.buffer.textName)
        let old = ft.string
        let reps = TextDiff.replacements(from: old, to: text)
        guard !reps.isEmpty else { return fork.snapshot() }
        let oldRope = Rope(old)
        fork.transact {
            for r in reps.reversed() {
                let a = oldRope.utf16Offset(of: r.range.lowerBound).value
                let b = oldRope.utf16Offset(of: r.range.upperBound).value
                if b > a { ft.delete(at: a, count: b - a) }
                if !r.text.isEmpty { ft.insert(r.text, at: a) }
            }
        }
        let update = fork.encodeStateAsUpdate(from: doc.stateVector)
        try? doc.applyUpdate(update, origin: Session.diskOrigin)
        return fork.snapshot()
    }

    /// Looks at the file on disk; when another program changed it, merges its text.
    /// Returns true when something was merged.
    ///
    /// A joined session merges nothing (the host watches the file and merges outside edits
    /// once, for everyone); it only follows what the file holds, so its `[+]` clears when the
    /// host or another participant saves.
    @discardableResult
    public func checkDisk() -> Bool {
        guard let p = path, let now = DiskStamp.current(path: Paths.absolute(p)), now != diskStamp else { return false }
        guard let file = try? TextFile.read(path: Paths.absolute(p)) else { return false }
        if joined {
            diskStamp = file.stamp
            if editor.buffer.hasText(file.text) { editor.markSaved() } else { editor.markModified(diskText: file.text) }
            return false
        }
        if editor.buffer.hasText(file.text) {
            markSaved(stamp: file.stamp, snapshot: doc.snapshot())
            editor.markSaved()
            return false
        }
        let snap = applyDiskText(file.text, base: savedSnapshot)
        let merged = editor.buffer.hasText(file.text)
        markSaved(stamp: file.stamp, snapshot: snap)
        if merged { editor.markSaved() } else { editor.markModified(diskText: file.text) }
        editor.info("\(editor.displayName) changed on disk: merged the changes\(merged ? "" : " with your unsaved edits")")
        return true
    }

    /// Records that the file on disk (with `stamp`) holds the text of `snapshot`: the base
    /// for merging the next outside change.
    func markSaved(stamp: DiskStamp, snapshot: Snapshot) {
        diskStamp = stamp
        savedSnapshot = snapshot
        try? store?.append([.meta(key: "saved.stamp", value: stamp.encoded), .meta(key: "saved.snapshot", value: snapshot.encoded())])
    }

    // MARK: - Store

    func persist(_ update: [UInt8]) {
        guard let s = store else { return }
        unstored.append(update)
        do {
            try s.append(unstored.map { .update($0) })
            unstored.removeAll()
            needsSync = true
        } catch {
            editor.error("cannot record history: \(error) — your edits are kept in memory; save the file")
        }
    }

    /// Idle work: store undo steps that changed, fsync, look at the file on disk.
    public func idle() {
        storeUndo()
        if needsSync, let s = store {
            try? s.sync()
            needsSync = false
        }
        checkDisk()
    }

    func storeUndo() {
        guard let s = store else { return }
        let u = editor.undoManager.undoSteps, r = editor.undoManager.redoSteps
        guard u != undoStored || r != redoStored else { return }
        do {
            try s.append([.meta(key: "undo", value: Session.encodeSteps(u)), .meta(key: "redo", value: Session.encodeSteps(r))])
            undoStored = u
            redoStored = r
            needsSync = true
        } catch {
            editor.error("cannot record undo history: \(error)")
        }
    }

    /// Everything durable: undo steps stored, the store synced. Call before exiting.
    public func close() {
        if !unstored.isEmpty, let s = store { try? s.append(unstored.map { .update($0) }) }
        storeUndo()
        try? store?.sync()
        store?.close()
    }

    // MARK: - Effects

    /// Performs the editor's effects; returns true when the session should end.
    /// `clipboard` receives text for the user's own clipboard (OSC 52).
    public func perform(_ effects: [Effect], clipboard: (String) -> Void = { _ in }, bell: () -> Void = {}) -> Bool {
        var quit = false
        for e in effects {
            switch e {
            case .quit: quit = true
            case .clipboard(let s): clipboard(s)
            case .bell: bell()
            case .save(let p, let thenQuit):
                if save(to: p) && thenQuit { quit = true }
            }
        }
        return quit
    }

    /// Writes the text to `p` atomically. A changed file on disk is merged first, so no
    /// one else's change is overwritten.
    public func save(to p: String) -> Bool {
        let samePath = path.map { Paths.absolute($0) == Paths.absolute(p) } ?? false
        if samePath && !joined { checkDisk() }
        do {
            let stamp = try TextFile.write(editor.buffer.string, to: Paths.absolute(p))
            if !samePath {
                // Saving under a new name: the history moves with it.
                store?.close()
                let s = try DocumentStore(path: Paths.absolute(p), fileMode: nil)
                _ = try s.load()
                try s.compact([.update(doc.encodeStateAsUpdate())])
                store = s
                path = p
                editor.path = p
                undoStored = []
                redoStored = []
            }
            markSaved(stamp: stamp, snapshot: doc.snapshot())
            editor.didSave(path: p)
            storeUndo()
            try? store?.sync()
            return true
        } catch {
            editor.saveFailed("not saved: \(error)")
            return false
        }
    }
}
